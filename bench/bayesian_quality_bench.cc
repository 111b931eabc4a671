// Optimization quality of bayesianoptimization against random search:
// closed-loop runs through hpsearch::suggestion::Suggest() (what `hpsearch
// serve` answers per GetSuggestions call), one trial per call as Katib's
// controller asks with parallelTrialCount 1, every earlier trial in the
// request as SUCCEEDED with its objective. Each (function, algorithm) pair
// runs with random_state 1..SEEDS; the table gives the median and the
// quartiles of the simple regret (best value so far minus the known
// minimum) after 10, 25, 50 and 100 evaluations. bench/bayesian_quality_optuna.py
// prints the same table for Optuna's TPE; figures are in
// bench/bayesian_quality.md.
//
// Usage: bayesian_quality_bench [--seeds N] [--first-seed S] [--evals N]
//          [--functions branin,hartmann6,mixed,levy10]
//          [--algorithms bayesianoptimization,random]
//          [--setting name=value]... [--cold] [--raw]
// --raw also prints one line per run: function algorithm seed regret@10 ...
// --setting adds an algorithm setting to bayesianoptimization's runs.
// --cold empties bayesianoptimization's model cache before every call, as
// if each call reached a freshly started server (no warm-started fits).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "suggestion/bayesian_optimization.h"
#include "suggestion/suggest.h"

namespace {

namespace pb = ::api::v1::beta1;

using Values = std::map<std::string, std::string>;

struct ParameterDef {
  std::string name;
  pb::ParameterType type;
  std::string min, max;             // DOUBLE and INT
  std::vector<std::string> list;    // DISCRETE and CATEGORICAL
};

struct Function {
  std::string name;
  std::vector<ParameterDef> parameters;
  std::function<double(const Values&)> evaluate;
  double minimum;
};

double Get(const Values& values, const std::string& name) { return std::stod(values.at(name)); }

double Branin(const Values& v) {
  const double x1 = Get(v, "x1"), x2 = Get(v, "x2");
  const double b = 5.1 / (4 * std::numbers::pi * std::numbers::pi);
  const double c = 5 / std::numbers::pi;
  const double t = 1 / (8 * std::numbers::pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

double Hartmann6(const Values& v) {
  static constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double kA[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                      {0.05, 10, 17, 0.1, 8, 14},
                                      {3, 3.5, 1.7, 10, 17, 8},
                                      {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double kP[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                      {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                      {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                      {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) {
      const double x = Get(v, "x" + std::to_string(j));
      inner += kA[i][j] * (x - kP[i][j]) * (x - kP[i][j]);
    }
    sum += kAlpha[i] * std::exp(-inner);
  }
  return -sum;
}

// A mixed space: a double, an int, a discrete list of numbers and a
// categorical whose value moves the optimum of the double. Minimum 0 at
// color=green, a=1.3, n=13, b=4.
double Mixed(const Values& v) {
  static const std::map<std::string, std::pair<double, double>> kShiftOffset = {
      {"red", {-2.0, 0.5}}, {"green", {1.3, 0.0}}, {"blue", {3.0, 0.3}}, {"yellow", {0.0, 1.0}}};
  const auto& [shift, offset] = kShiftOffset.at(v.at("color"));
  const double a = Get(v, "a"), n = Get(v, "n"), b = Get(v, "b");
  return offset + (a - shift) * (a - shift) / 4 + std::pow((n - 13) / 5, 2) +
         0.2 * std::pow(std::log2(b) - 2, 2);
}

double Levy10(const Values& v) {
  std::array<double, 10> w;
  for (int j = 0; j < 10; ++j) w[j] = 1 + (Get(v, "x" + std::to_string(j)) - 1) / 4;
  double sum = std::pow(std::sin(std::numbers::pi * w[0]), 2);
  for (int j = 0; j < 9; ++j) {
    sum += (w[j] - 1) * (w[j] - 1) *
           (1 + 10 * std::pow(std::sin(std::numbers::pi * w[j] + 1), 2));
  }
  sum += (w[9] - 1) * (w[9] - 1) * (1 + std::pow(std::sin(2 * std::numbers::pi * w[9]), 2));
  return sum;
}

std::vector<ParameterDef> Box(const std::string& prefix, int dimensions, const std::string& min,
                              const std::string& max) {
  std::vector<ParameterDef> parameters;
  for (int j = 0; j < dimensions; ++j) {
    parameters.push_back({prefix + std::to_string(j), pb::DOUBLE, min, max, {}});
  }
  return parameters;
}

std::vector<Function> Functions() {
  return {
      {"branin",
       {{"x1", pb::DOUBLE, "-5", "10", {}}, {"x2", pb::DOUBLE, "0", "15", {}}},
       Branin,
       0.39788735772973816},
      {"hartmann6", Box("x", 6, "0", "1"), Hartmann6, -3.3223680114155147},
      {"mixed",
       {{"a", pb::DOUBLE, "-5", "5", {}},
        {"n", pb::INT, "0", "20", {}},
        {"b", pb::DISCRETE, "", "", {"1", "2", "4", "8", "16"}},
        {"color", pb::CATEGORICAL, "", "", {"red", "green", "blue", "yellow"}}},
       Mixed,
       0.0},
      {"levy10", Box("x", 10, "-10", "10"), Levy10, 0.0},
  };
}

constexpr int kCheckpoints[] = {10, 25, 50, 100};

pb::GetSuggestionsRequest MakeRequest(const Function& function, const std::string& algorithm,
                                      int seed,
                                      const std::vector<std::pair<std::string, std::string>>& settings) {
  pb::GetSuggestionsRequest request;
  request.mutable_experiment()->set_name("quality-" + function.name);
  pb::ExperimentSpec* spec = request.mutable_experiment()->mutable_spec();
  for (const ParameterDef& def : function.parameters) {
    pb::ParameterSpec* parameter = spec->mutable_parameter_specs()->add_parameters();
    parameter->set_name(def.name);
    parameter->set_parameter_type(def.type);
    if (def.list.empty()) {
      parameter->mutable_feasible_space()->set_min(def.min);
      parameter->mutable_feasible_space()->set_max(def.max);
    } else {
      for (const std::string& element : def.list) {
        parameter->mutable_feasible_space()->add_list(element);
      }
    }
  }
  spec->mutable_objective()->set_type(pb::MINIMIZE);
  spec->mutable_objective()->set_objective_metric_name("loss");
  spec->mutable_algorithm()->set_algorithm_name(algorithm);
  pb::AlgorithmSetting* random_state = spec->mutable_algorithm()->add_algorithm_settings();
  random_state->set_name("random_state");
  random_state->set_value(std::to_string(seed));
  if (algorithm == "bayesianoptimization") {
    for (const auto& [name, value] : settings) {
      pb::AlgorithmSetting* setting = spec->mutable_algorithm()->add_algorithm_settings();
      setting->set_name(name);
      setting->set_value(value);
    }
  }
  return request;
}

// Best-so-far regret after each evaluation; empty on failure.
std::vector<double> Run(const Function& function, const std::string& algorithm, int seed,
                        int evaluations,
                        const std::vector<std::pair<std::string, std::string>>& settings,
                        bool cold, double* seconds) {
  pb::GetSuggestionsRequest request = MakeRequest(function, algorithm, seed, settings);
  std::vector<double> regret;
  double best = INFINITY;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < evaluations; ++i) {
    request.set_current_request_number(1);
    request.set_total_request_number(i + 1);
    if (cold) hpsearch::suggestion::ClearBayesianOptimizationCache();
    const auto reply = hpsearch::suggestion::Suggest(request);
    if (!reply.ok() || reply->parameter_assignments_size() != 1) {
      std::fprintf(stderr, "%s %s seed %d: Suggest failed at %d: %s\n", function.name.c_str(),
                   algorithm.c_str(), seed, i, std::string(reply.status().message()).c_str());
      return {};
    }
    Values values;
    for (const pb::ParameterAssignment& a : reply->parameter_assignments(0).assignments()) {
      values[a.name()] = a.value();
    }
    const double loss = function.evaluate(values);
    best = std::min(best, loss);
    regret.push_back(std::max(best - function.minimum, 0.0));
    pb::Trial* trial = request.add_trials();
    trial->set_name("t" + std::to_string(i));
    *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
        reply->parameter_assignments(0).assignments();
    trial->mutable_status()->set_condition(pb::TrialStatus::SUCCEEDED);
    pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
    metric->set_name("loss");
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", loss);
    metric->set_value(text);
  }
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return regret;
}

// Linear interpolation between order statistics (numpy's default).
double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t low = static_cast<size_t>(std::floor(position));
  const size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (position - static_cast<double>(low)) * (values[high] - values[low]);
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20, first_seed = 1, evaluations = 100;
  bool raw = false, cold = false;
  std::vector<std::string> function_names = {"branin", "hartmann6", "mixed", "levy10"};
  std::vector<std::string> algorithms = {"bayesianoptimization", "random"};
  std::vector<std::pair<std::string, std::string>> settings;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) {
      seeds = std::atoi(argv[++i]);
    } else if (arg == "--first-seed" && has_value) {
      first_seed = std::atoi(argv[++i]);
    } else if (arg == "--evals" && has_value) {
      evaluations = std::atoi(argv[++i]);
    } else if (arg == "--functions" && has_value) {
      function_names = Split(argv[++i]);
    } else if (arg == "--algorithms" && has_value) {
      algorithms = Split(argv[++i]);
    } else if (arg == "--setting" && has_value) {
      const std::string setting = argv[++i];
      const size_t equals = setting.find('=');
      if (equals == std::string::npos) {
        std::fprintf(stderr, "--setting wants name=value\n");
        return 2;
      }
      settings.emplace_back(setting.substr(0, equals), setting.substr(equals + 1));
    } else if (arg == "--cold") {
      cold = true;
    } else if (arg == "--raw") {
      raw = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seeds N] [--first-seed S] [--evals N] [--functions a,b] "
                   "[--algorithms a,b] [--setting name=value]... [--cold] [--raw]\n",
                   argv[0]);
      return 2;
    }
  }

  std::printf("| function | algorithm |");
  for (int checkpoint : kCheckpoints) {
    if (checkpoint <= evaluations) std::printf(" regret@%d median [q1, q3] |", checkpoint);
  }
  std::printf(" s/run |\n| --- | --- |");
  for (int checkpoint : kCheckpoints) {
    if (checkpoint <= evaluations) std::printf(" --- |");
  }
  std::printf(" --- |\n");
  std::fflush(stdout);

  for (const Function& function : Functions()) {
    if (std::find(function_names.begin(), function_names.end(), function.name) ==
        function_names.end()) {
      continue;
    }
    for (const std::string& algorithm : algorithms) {
      std::vector<std::vector<double>> at(std::size(kCheckpoints));
      double total_seconds = 0;
      for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
        double seconds = 0;
        const std::vector<double> regret =
            Run(function, algorithm, seed, evaluations, settings, cold, &seconds);
        if (regret.empty()) return 1;
        total_seconds += seconds;
        if (raw) std::fprintf(stderr, "raw %s %s %d", function.name.c_str(), algorithm.c_str(), seed);
        for (size_t c = 0; c < std::size(kCheckpoints); ++c) {
          if (kCheckpoints[c] > evaluations) continue;
          at[c].push_back(regret[kCheckpoints[c] - 1]);
          if (raw) std::fprintf(stderr, " %.6g", regret[kCheckpoints[c] - 1]);
        }
        if (raw) std::fprintf(stderr, " %.2fs\n", seconds);
      }
      const std::string label =
          cold && algorithm == "bayesianoptimization" ? algorithm + " (cold)" : algorithm;
      std::printf("| %s | %s |", function.name.c_str(), label.c_str());
      for (size_t c = 0; c < std::size(kCheckpoints); ++c) {
        if (kCheckpoints[c] > evaluations) continue;
        std::printf(" %.3g [%.3g, %.3g] |", Quantile(at[c], 0.5), Quantile(at[c], 0.25),
                    Quantile(at[c], 0.75));
      }
      std::printf(" %.2f |\n", total_seconds / seeds);
      std::fflush(stdout);
    }
  }
  return 0;
}
