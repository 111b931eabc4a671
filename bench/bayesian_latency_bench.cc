// In-process latency of bayesianoptimization's Suggest() in 6-D with 10,
// 100, 500 and 1000 trials in the request (all SUCCEEDED but the last
// batch, RUNNING), batch sizes 1 and 3. Prints a Markdown table of p50 and
// the maximum over the timed calls, cold (the model cache emptied before
// each call: a fresh server, or the first call of an experiment) and warm
// (the cache holds the fit of the same request less its last observation,
// as after the previous call of a running experiment).
//
// Usage: bayesian_latency_bench [CALLS_PER_CASE] [MAX_TRIALS]
//        (defaults 5 and 1000)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "suggestion/bayesian_optimization.h"
#include "suggestion/suggest.h"

namespace {

namespace pb = ::api::v1::beta1;

constexpr int kDimensions = 6;

// `trials` random points of [0,1]^6 with a smooth objective, asking for
// `batch` more.
pb::GetSuggestionsRequest MakeRequest(int trials, int batch) {
  pb::GetSuggestionsRequest request;
  pb::ExperimentSpec* spec = request.mutable_experiment()->mutable_spec();
  request.mutable_experiment()->set_name("bench-bayesian");
  for (int j = 0; j < kDimensions; ++j) {
    pb::ParameterSpec* parameter = spec->mutable_parameter_specs()->add_parameters();
    parameter->set_name("x" + std::to_string(j));
    parameter->set_parameter_type(pb::DOUBLE);
    parameter->mutable_feasible_space()->set_min("0");
    parameter->mutable_feasible_space()->set_max("1");
  }
  spec->mutable_objective()->set_type(pb::MINIMIZE);
  spec->mutable_objective()->set_objective_metric_name("loss");
  spec->mutable_algorithm()->set_algorithm_name("random");
  request.set_current_request_number(trials);
  request.set_total_request_number(trials);
  const pb::GetSuggestionsReply earlier = *hpsearch::suggestion::Suggest(request);
  spec->mutable_algorithm()->set_algorithm_name("bayesianoptimization");
  for (int i = 0; i < trials; ++i) {
    pb::Trial* trial = request.add_trials();
    trial->set_name("bench-" + std::to_string(i));
    *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
        earlier.parameter_assignments(i).assignments();
    const bool running = i >= trials - batch;
    trial->mutable_status()->set_condition(running ? pb::TrialStatus::RUNNING
                                                   : pb::TrialStatus::SUCCEEDED);
    if (running) continue;
    double loss = 0;
    for (const pb::ParameterAssignment& a : earlier.parameter_assignments(i).assignments()) {
      const double x = std::stod(a.value());
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
  const int calls = argc > 1 ? std::atoi(argv[1]) : 5;
  const int max_trials = argc > 2 ? std::atoi(argv[2]) : 1000;
  std::printf(
      "| trials | batch | cold p50 ms | cold max ms | warm p50 ms | warm max ms |\n"
      "| --- | --- | --- | --- | --- | --- |\n");
  for (int trials : {10, 100, 500, 1000}) {
    if (trials > max_trials) break;
    for (int batch : {1, 3}) {
      const pb::GetSuggestionsRequest request = MakeRequest(trials, batch);
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
