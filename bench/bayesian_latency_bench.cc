// In-process latency of bayesianoptimization's Suggest() in 6-D with 10,
// 100, 500 and 1000 trials in the request (all SUCCEEDED but the last
// batch, RUNNING), batch sizes 1 and 3. Prints a Markdown table of p50 and
// the maximum over the timed calls, cold (the model cache emptied before
// each call: a fresh server, or the first call of an experiment) and warm
// (the cache holds the fit of the same request less its last observation,
// as after the previous call of a running experiment).
//
// With --one, a single cold call (batch 3) for /usr/bin/time -v's peak
// resident set: OBSERVED SUCCEEDED and PENDING RUNNING trials over
// PARAMETERS parameters (doubles; past 6, the last two are an int and a
// 4-element categorical); it prints the time taken and the suggestions.
// With DEADLINE_MS the call is cancelled once that much time has passed,
// as by a client's deadline, and it prints how long the call went on after
// it.
//
// Usage: bayesian_latency_bench [CALLS_PER_CASE] [MAX_TRIALS]
//        (defaults 5 and 1000)
//        bayesian_latency_bench --one OBSERVED PARAMETERS [PENDING] [DEADLINE_MS]
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "suggestion/bayesian_optimization.h"
#include "suggestion/suggest.h"

namespace {

namespace pb = ::api::v1::beta1;

constexpr int kDimensions = 6;

// `observed` random points over `parameters` parameters with a smooth
// objective, then `running` more without one, asking for `batch` more.
pb::GetSuggestionsRequest MakeRequest(int parameters, int observed, int running, int batch) {
  pb::GetSuggestionsRequest request;
  pb::ExperimentSpec* spec = request.mutable_experiment()->mutable_spec();
  request.mutable_experiment()->set_name("bench-bayesian");
  const bool mixed = parameters > kDimensions;
  for (int j = 0; j < parameters; ++j) {
    pb::ParameterSpec* parameter = spec->mutable_parameter_specs()->add_parameters();
    parameter->set_name(absl::StrCat("x", j));
    pb::FeasibleSpace* space = parameter->mutable_feasible_space();
    if (mixed && j == parameters - 2) {
      parameter->set_parameter_type(pb::INT);
      space->set_min("1");
      space->set_max("64");
    } else if (mixed && j == parameters - 1) {
      parameter->set_parameter_type(pb::CATEGORICAL);
      for (const char* element : {"a", "b", "c", "d"}) space->add_list(element);
    } else {
      parameter->set_parameter_type(pb::DOUBLE);
      space->set_min("0");
      space->set_max("1");
    }
  }
  spec->mutable_objective()->set_type(pb::MINIMIZE);
  spec->mutable_objective()->set_objective_metric_name("loss");
  spec->mutable_algorithm()->set_algorithm_name("random");
  const int trials = observed + running;
  request.set_current_request_number(trials);
  request.set_total_request_number(trials);
  const pb::GetSuggestionsReply earlier = *hpsearch::suggestion::Suggest(request);
  spec->mutable_algorithm()->set_algorithm_name("bayesianoptimization");
  for (int i = 0; i < trials; ++i) {
    pb::Trial* trial = request.add_trials();
    trial->set_name("bench-" + std::to_string(i));
    *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
        earlier.parameter_assignments(i).assignments();
    const bool pending = i >= observed;
    trial->mutable_status()->set_condition(pending ? pb::TrialStatus::RUNNING
                                                   : pb::TrialStatus::SUCCEEDED);
    if (pending) continue;
    double loss = 0;
    for (const pb::ParameterAssignment& a : earlier.parameter_assignments(i).assignments()) {
      const double x = a.value().size() == 1 && std::isalpha(a.value()[0])
                           ? (a.value()[0] - 'a') / 4.0
                           : std::stod(a.value());
      loss += (x - 0.3) * (x - 0.3) + 0.1 * std::sin(10 * x);
    }
    pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
    metric->set_name("loss");
    metric->set_value(std::to_string(loss));
  }
  request.set_current_request_number(batch);
  request.set_total_request_number(trials + batch);
  return request;
}

// The --one mode: one cold call, its time and outcome.
int One(int observed, int parameters, int pending, int deadline_ms) {
  const pb::GetSuggestionsRequest request = MakeRequest(parameters, observed, pending, 3);
  hpsearch::suggestion::SuggestOptions options;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  if (deadline_ms > 0) options.cancelled = [&] { return elapsed_ms() > deadline_ms; };
  const auto reply = hpsearch::suggestion::Suggest(request, options);
  const double ms = elapsed_ms();
  std::printf("observed %d, parameters %d, pending %d: %.0f ms, %s", observed, parameters,
              pending, ms, reply.ok() ? "OK" : reply.status().ToString().c_str());
  if (reply.status().code() == absl::StatusCode::kCancelled) {
    std::printf(", %.0f ms past the %d ms deadline", ms - deadline_ms, deadline_ms);
  }
  std::printf("\n");
  if (!reply.ok()) return 0;
  for (const auto& assignments : reply->parameter_assignments()) {
    for (const pb::ParameterAssignment& a : assignments.assignments()) {
      std::printf("%s=%s ", a.name().c_str(), a.value().c_str());
    }
    std::printf("\n");
  }
  return 0;
}

// The p50 and maximum milliseconds of `calls` calls; `before` runs untimed
// before each.
bool Time(const pb::GetSuggestionsRequest& request, int calls,
          const std::function<void()>& before, double* p50, double* max) {
  std::vector<double> latencies;
  for (int i = 0; i < calls; ++i) {
    before();
    const auto start = std::chrono::steady_clock::now();
    const auto reply = hpsearch::suggestion::Suggest(request);
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    if (!reply.ok()) {
      std::fprintf(stderr, "Suggest failed: %s\n", std::string(reply.status().message()).c_str());
      return false;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  *p50 = latencies[latencies.size() / 2];
  *max = latencies.back();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 3 && std::string(argv[1]) == "--one") {
    return One(std::atoi(argv[2]), std::atoi(argv[3]), argc > 4 ? std::atoi(argv[4]) : 0,
               argc > 5 ? std::atoi(argv[5]) : 0);
  }
  const int calls = argc > 1 ? std::atoi(argv[1]) : 5;
  const int max_trials = argc > 2 ? std::atoi(argv[2]) : 1000;
  std::printf(
      "| trials | batch | cold p50 ms | cold max ms | warm p50 ms | warm max ms |\n"
      "| --- | --- | --- | --- | --- | --- |\n");
  for (int trials : {10, 100, 500, 1000}) {
    if (trials > max_trials) break;
    for (int batch : {1, 3}) {
      const pb::GetSuggestionsRequest request =
          MakeRequest(kDimensions, trials - batch, batch, batch);
      // The previous call's request: the same trials less the last
      // observation.
      pb::GetSuggestionsRequest previous = request;
      previous.mutable_trials()->DeleteSubrange(trials - batch - 1, 1);
      double cold_p50, cold_max, warm_p50, warm_max;
      if (!Time(request, calls, hpsearch::suggestion::ClearBayesianOptimizationCache,
                &cold_p50, &cold_max) ||
          !Time(request, calls,
                [&] {
                  hpsearch::suggestion::ClearBayesianOptimizationCache();
                  (void)hpsearch::suggestion::Suggest(previous);
                },
                &warm_p50, &warm_max)) {
        return 1;
      }
      std::printf("| %d | %d | %.1f | %.1f | %.1f | %.1f |\n", trials, batch, cold_p50, cold_max,
                  warm_p50, warm_max);
      std::fflush(stdout);
    }
  }
  return 0;
}
