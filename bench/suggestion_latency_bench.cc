// GetSuggestions latency over real gRPC on loopback, for random and grid with
// 10, 100 and 1000 trials in the request (3 suggestions per call, as with
// parallelTrialCount 3). Prints a Markdown table of p50 and p99.
//
// Usage: suggestion_latency_bench [CALLS_PER_CASE] (default 500)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "katib/v1beta1/api.grpc.pb.h"
#include "spdlog/spdlog.h"
#include "suggestion/suggest.h"
#include "suggestion/suggestion_service.h"

namespace {

namespace pb = ::api::v1::beta1;

constexpr int kParallel = 3;

// 5 x 400 x 2 = 4000 grid points, enough for 1000 trials and more.
pb::GetSuggestionsRequest MakeRequest(const std::string& algorithm, int trials) {
  pb::GetSuggestionsRequest request;
  pb::Experiment* experiment = request.mutable_experiment();
  experiment->set_name("bench-" + algorithm);
  pb::ExperimentSpec* spec = experiment->mutable_spec();
  auto add = [&](const char* name, pb::ParameterType type, const char* min,
                 const char* max, const char* step) {
    pb::ParameterSpec* parameter = spec->mutable_parameter_specs()->add_parameters();
    parameter->set_name(name);
    parameter->set_parameter_type(type);
    parameter->mutable_feasible_space()->set_min(min);
    parameter->mutable_feasible_space()->set_max(max);
    parameter->mutable_feasible_space()->set_step(step);
  };
  add("lr", pb::DOUBLE, "0.01", "0.05", "0.01");
  add("units", pb::INT, "1", "400", "1");
  pb::ParameterSpec* optimizer = spec->mutable_parameter_specs()->add_parameters();
  optimizer->set_name("optimizer");
  optimizer->set_parameter_type(pb::CATEGORICAL);
  optimizer->mutable_feasible_space()->add_list("sgd");
  optimizer->mutable_feasible_space()->add_list("adam");
  spec->mutable_objective()->set_type(pb::MAXIMIZE);
  spec->mutable_objective()->set_objective_metric_name("accuracy");
  spec->mutable_algorithm()->set_algorithm_name(algorithm);

  // The trials: earlier suggestions of the same algorithm, mostly finished.
  request.set_current_request_number(trials);
  request.set_total_request_number(trials);
  const pb::GetSuggestionsReply earlier = *hpsearch::suggestion::Suggest(request);
  for (int i = 0; i < trials; ++i) {
    pb::Trial* trial = request.add_trials();
    trial->set_name("bench-" + algorithm + "-" + std::to_string(i));
    *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
        earlier.parameter_assignments(i).assignments();
    *trial->mutable_spec()->mutable_objective() = spec->objective();
    const bool running = i >= trials - kParallel;
    trial->mutable_status()->set_condition(running ? pb::TrialStatus::RUNNING
                                                   : pb::TrialStatus::SUCCEEDED);
    if (!running) {
      pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
      metric->set_name("accuracy");
      metric->set_value(std::to_string(0.5 + 0.4 * (i % 97) / 97.0));
    }
  }
  request.set_current_request_number(kParallel);
  request.set_total_request_number(trials + kParallel);
  return request;
}

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1,
                                static_cast<size_t>(q * static_cast<double>(values.size())));
  return values[index];
}

// Latencies in microseconds of `calls` in-process Suggest() calls, the cost
// without gRPC (what `hpsearch run` pays).
std::vector<double> MeasureInProcess(const pb::GetSuggestionsRequest& request, int calls) {
  std::vector<double> latencies;
  for (int i = -20; i < calls; ++i) {  // 20 warm-up calls.
    const auto start = std::chrono::steady_clock::now();
    const auto reply = hpsearch::suggestion::Suggest(request);
    const double us = std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    if (!reply.ok()) {
      std::fprintf(stderr, "Suggest failed: %s\n", std::string(reply.status().message()).c_str());
      std::exit(1);
    }
    if (i >= 0) latencies.push_back(us);
  }
  return latencies;
}

// Latencies in microseconds of `calls` gRPC calls; a new channel (connection)
// per call when `new_connection`, as Katib's controller does.
std::vector<double> Measure(const std::string& address, const pb::GetSuggestionsRequest& request,
                            int calls, bool new_connection) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = pb::Suggestion::NewStub(channel);
  std::vector<double> latencies;
  for (int i = -20; i < calls; ++i) {  // 20 warm-up calls.
    const auto start = std::chrono::steady_clock::now();
    if (new_connection) {
      grpc::ChannelArguments arguments;
      // A distinct argument keeps gRPC from sharing a subchannel.
      arguments.SetInt("hpsearch.bench.call", i);
      stub = pb::Suggestion::NewStub(grpc::CreateCustomChannel(
          address, grpc::InsecureChannelCredentials(), arguments));
    }
    grpc::ClientContext context;
    pb::GetSuggestionsReply reply;
    const grpc::Status status = stub->GetSuggestions(&context, request, &reply);
    const double us = std::chrono::duration<double, std::micro>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    if (!status.ok() || reply.parameter_assignments_size() != kParallel) {
      std::fprintf(stderr, "call failed: %s\n", status.error_message().c_str());
      std::exit(1);
    }
    if (i >= 0) latencies.push_back(us);
  }
  return latencies;
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 500;
  if (calls <= 0) {
    std::fprintf(stderr, "usage: suggestion_latency_bench [CALLS_PER_CASE > 0]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::off);  // One log line per call would dominate.
  auto server = hpsearch::suggestion::SuggestionServer::Start({.address = "127.0.0.1:0"});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  const std::string address = "127.0.0.1:" + std::to_string((*server)->port());
  std::printf("| algorithm | trials in request | call | p50 (us) | p99 (us) |\n");
  std::printf("| --- | ---: | --- | ---: | ---: |\n");
  for (const char* algorithm : {"random", "grid"}) {
    for (int trials : {10, 100, 1000}) {
      const pb::GetSuggestionsRequest request = MakeRequest(algorithm, trials);
      const std::vector<double> in_process = MeasureInProcess(request, calls);
      std::printf("| %s | %d | in process (no gRPC) | %.0f | %.0f |\n", algorithm, trials,
                  Percentile(in_process, 0.50), Percentile(in_process, 0.99));
      for (bool new_connection : {false, true}) {
        const std::vector<double> latencies = Measure(address, request, calls, new_connection);
        std::printf("| %s | %d | %s | %.0f | %.0f |\n", algorithm, trials,
                    new_connection ? "gRPC, new connection per call" : "gRPC, reused connection", Percentile(latencies, 0.50),
                    Percentile(latencies, 0.99));
      }
    }
  }
  (*server)->Shutdown(absl::Seconds(1));
  (*server)->Wait();
  return 0;
}
