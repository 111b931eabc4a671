#include "runner/trial_launch.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace hpsearch::runner {
namespace {

// The engine's environment: each variable's "NAME=value" entry by its name.
std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos) env[std::string(text.substr(0, equals))] = text;
  }
  return env;
}

// Whether `c` may be part of a file name, so that a path with it on either
// side is part of another one; '/' and '@' only after it (file:///x and
// curl's @x start a path there).
bool InPathName(char c, bool after) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view(after ? "._-~+%/@" : "._-~+%").find(c) != std::string_view::npos;
}

// How much of a path ReplacePath replaces.
enum class PathExtent {
  kWhole,         // the path itself, perhaps with a trailing '/'
  kWholeOrBelow,  // also the start of a path below it
};

// Replaces `from` in `text` where it is a whole path, not part of a longer
// one: /tmp/metrics in "--out=/tmp/metrics" but not in /tmp/metrics_old,
// /tmp/metrics.d/x or /data/tmp/metrics; with kWholeOrBelow, also in
// /tmp/metrics/x.
void ReplacePath(std::string& text, std::string_view from, std::string_view to, PathExtent extent) {
  auto ends_path = [&](size_t end) {
    if (end < text.size() && text[end] == '/') {
      if (extent == PathExtent::kWholeOrBelow) return true;
      ++end;
    }
    return end == text.size() || !InPathName(text[end], true);
  };
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    const size_t end = at + from.size();
    if ((at > 0 && InPathName(text[at - 1], false)) || !ends_path(end)) {
      at = end;
      continue;
    }
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

// Rewrites the collector's path in args and env to the trial's own copy.
class MetricsPathRewrite {
 public:
  MetricsPathRewrite(const MetricsSource& named, const MetricsSource& local) {
    if (!named.HasPath()) return;
    if (named.kind == MetricsSource::Kind::kFile) {
      rewrites_.push_back({named.path.string(), local.path.string(), PathExtent::kWhole});
      return;
    }
    rewrites_.push_back({named.path.string(), local.path.string(), PathExtent::kWholeOrBelow});
    // A trial told where its logs go writes the event files in folders
    // below that, which the collector's path may name: Katib's TFJob
    // example passes --log-path=/mnist-with-summaries-logs and collects
    // /mnist-with-summaries-logs/test. Only the folder itself moves, not
    // the paths beside the collector's (data, say).
    std::filesystem::path named_parent = named.path.parent_path();
    std::filesystem::path local_parent = local.path.parent_path();
    for (; named_parent != named_parent.root_path(); named_parent = named_parent.parent_path()) {
      rewrites_.push_back({named_parent.string(), local_parent.string(), PathExtent::kWhole});
      local_parent = local_parent.parent_path();
    }
  }

  void Apply(std::string& text) const {
    for (const Rewrite& rewrite : rewrites_) ReplacePath(text, rewrite.from, rewrite.to, rewrite.extent);
  }

 private:
  struct Rewrite {
    std::string from;
    std::string to;
    PathExtent extent;
  };
  std::vector<Rewrite> rewrites_;
};

}  // namespace

TrialLaunchPlanner::TrialLaunchPlanner(const api::Experiment& experiment,
                                       std::vector<std::filesystem::path> command_search_path,
                                       MetricsSource metrics)
    : experiment_(experiment),
      command_search_path_(std::move(command_search_path)),
      metrics_(std::move(metrics)),
      engine_environment_(ProcessEnvironment()) {}

MetricsSource TrialLaunchPlanner::MetricsSourceIn(const std::filesystem::path& trial_dir) const {
  MetricsSource local = metrics_;
  if (local.HasPath()) local.path = trial_dir / "fs" / metrics_.path.relative_path();
  return local;
}

absl::Status TrialLaunchPlanner::CheckCommand() const {
  if (experiment_.spec.trial_template && experiment_.spec.trial_template->has_config_map) {
    return absl::UnimplementedError(
        "spec.trialTemplate.configMap: only a cluster can read a ConfigMap; write the template inline as "
        "spec.trialTemplate.trialSpec");
  }
  // Any feasible values do: only the program and the references matter.
  TrialIdentity sample{.name = experiment_.metadata.name, .namespace_ = experiment_.metadata.namespace_,
                       .assignments = {}};
  for (const api::ParameterSpec& parameter : experiment_.spec.parameters) {
    const api::FeasibleSpace& space = parameter.feasible_space;
    sample.assignments[parameter.name] = space.list.empty() ? space.min : space.list.front();
  }
  auto command = BuildTrialCommand(experiment_, sample);
  if (!command.ok()) return command.status();
  return FindProgram(*command).status();
}

// A container runtime looks the program up on the PATH the container's env
// sets, the one the program then runs with; the last one set is the one.
absl::StatusOr<std::filesystem::path> TrialLaunchPlanner::FindProgram(const TrialCommand& command) const {
  for (auto variable = command.env.rbegin(); variable != command.env.rend(); ++variable) {
    if (variable->name == "PATH") return ResolveCommand(command.argv.front(), CommandSearchPath(variable->value));
  }
  return ResolveCommand(command.argv.front(), command_search_path_);
}

std::vector<std::string> TrialLaunchPlanner::ClusterOnlyNotices() const {
  std::vector<std::string> notices;
  const api::Container* container =
      experiment_.spec.trial_template ? experiment_.spec.trial_template->PrimaryContainer() : nullptr;
  if (container == nullptr) return notices;
  for (const api::ClusterOnlyField& field : container->cluster_only) {
    std::string instead;
    switch (field.kind) {
      case api::ClusterOnlyField::Kind::kValueFrom:
        instead = absl::StrCat("trials get hpsearch's own ", field.variable, ", if it has one");
        break;
      case api::ClusterOnlyField::Kind::kEnvFrom:
        instead = "trials get hpsearch's own environment";
        break;
      case api::ClusterOnlyField::Kind::kWorkingDir:
        instead = "each trial runs in its own folder, trials/<trial> in the workdir";
        break;
    }
    const std::string what = field.variable.empty() ? "" : absl::StrCat(" (", field.variable, ")");
    notices.push_back(absl::StrCat(field.path, what, ": only a cluster applies it; ", instead));
  }
  return notices;
}

absl::StatusOr<LaunchSpec> TrialLaunchPlanner::Plan(
    const metrics::TrialRecord& trial, const std::filesystem::path& trial_dir,
    std::span<const std::pair<std::string, std::string>> extra_env) const {
  TrialIdentity identity{.name = trial.name,
                         .namespace_ = experiment_.metadata.namespace_,
                         .assignments = {trial.assignments.begin(), trial.assignments.end()}};
  auto command = BuildTrialCommand(experiment_, identity);
  if (!command.ok()) return command.status();

  const MetricsSource local = MetricsSourceIn(trial_dir);
  if (local.HasPath()) {
    const std::filesystem::path folder =
        local.kind == MetricsSource::Kind::kFile ? local.path.parent_path() : local.path;
    std::error_code error;
    if (!std::filesystem::create_directories(folder, error) && error) {
      return absl::UnavailableError(absl::StrCat("cannot create ", folder.string(), ": ", error.message()));
    }
  }
  const MetricsPathRewrite rewrite(metrics_, local);
  for (std::string& word : command->argv) rewrite.Apply(word);

  auto program = FindProgram(*command);
  if (!program.ok()) return program.status();
  LaunchSpec spec{.argv = command->argv, .env = {}, .working_dir = trial_dir};
  spec.argv.front() = program->string();

  // What the trial's environment sets over the engine's. The engine's own
  // entries are copied as they are, not rebuilt: they are most of it.
  std::map<std::string, std::string> set;
  for (api::NameValue& variable : command->env) {
    rewrite.Apply(variable.value);
    set[variable.name] = variable.value;
  }
  set[kTrialNameVariable] = trial.name;
  set[kTrialDirVariable] = trial_dir.string();
  set["HPSEARCH_EXPERIMENT_NAME"] = experiment_.metadata.name;
  // Metrics arrive as printed.
  if (!engine_environment_.contains("PYTHONUNBUFFERED")) set.try_emplace("PYTHONUNBUFFERED", "1");
  for (const auto& [key, value] : extra_env) set[key] = value;
  spec.env.reserve(engine_environment_.size() + set.size());
  for (const auto& [key, entry] : engine_environment_) {
    if (!set.contains(key)) spec.env.push_back(entry);
  }
  for (const auto& [key, value] : set) spec.env.push_back(absl::StrCat(key, "=", value));
  return spec;
}

absl::Status MakeEmptyTrialDir(const std::filesystem::path& trial_dir) {
  int made = mkdir(trial_dir.c_str(), 0755);
  if (made != 0 && errno == EEXIST) {
    // The interrupted attempt's logs may tell why it hung or was slow: they
    // are kept, as <log>.previous, beside the next attempt's.
    constexpr const char* kLogs[] = {"stdout.log", "stderr.log"};
    auto aside = [&](const char* log) {
      return trial_dir.parent_path() / absl::StrCat(".", trial_dir.filename().string(), ".", log);
    };
    for (const char* log : kLogs) std::rename((trial_dir / log).c_str(), aside(log).c_str());
    std::error_code error;
    std::filesystem::remove_all(trial_dir, error);
    // Out of descriptors, say: mkdir would only say "File exists".
    if (error) {
      return absl::UnavailableError(absl::StrCat("cannot clear ", trial_dir.string(), ": ", error.message()));
    }
    made = mkdir(trial_dir.c_str(), 0755);
    for (const char* log : kLogs) {
      std::rename(aside(log).c_str(), (trial_dir / absl::StrCat(log, ".previous")).c_str());
    }
  }
  if (made != 0) {
    return absl::UnavailableError(absl::StrCat("cannot create ", trial_dir.string(), ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace hpsearch::runner
