#include "trial/hpsearch_trial/flags.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

namespace hpsearch::trial {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Closed or open bounds of a numeric flag; infinite ends are unbounded.
struct Range {
  double min = -kInf;
  bool min_open = false;
  double max = kInf;
  bool max_open = false;

  bool Contains(double v) const {
    return (min_open ? v > min : v >= min) && (max_open ? v < max : v <= max);
  }

  std::string Describe() const {
    if (max == kInf) return (min_open ? "> " : ">= ") + FormatNumber(min);
    return std::string("in ") + (min_open ? "(" : "[") + FormatNumber(min) + ", " +
           FormatNumber(max) + (max_open ? ")" : "]");
  }
};

constexpr Range AtLeast(double min) { return {.min = min}; }

// LibTorch's optimizers turn --lr and --weight-decay into float32 scalars
// and throw beyond float's range (3.4e38); Adam's first step divides the
// rate by 1 - beta1 = 0.1 first. 1e37 is a round bound below both, and far
// above any rate that does not diverge.
constexpr double kMaxOptimizerValue = 1e37;

// 65536 hidden units are 103M weights after the CNN's convolutions (411 MB
// of float32), 51M in the MLP; far beyond, LibTorch's allocation fails
// without naming the flag.
constexpr double kMaxHidden = 65536;

// One row of the flag table.
struct FlagSpec {
  std::string_view name;
  std::string value_name;   // For --help: DOUBLE, INT, PATH, or the choices.
  std::string doc;
  std::string constraint;   // For --help; empty when any value is accepted.
  std::function<std::string(const TrialFlags&)> show;
  // Stores `value` into the flags; throws UsageError if it is invalid.
  std::function<void(std::string_view value, TrialFlags&)> set;
};

template <typename T>
T ParseNumber(std::string_view flag, std::string_view text) {
  T value{};
  // Python's float() and int(), which argparse uses, take an explicit '+';
  // from_chars does not.
  std::string_view digits = text;
  if (digits.starts_with('+') && !digits.substr(1).starts_with('-')) digits.remove_prefix(1);
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    throw UsageError(std::string(flag) + ": '" + std::string(text) + "' is out of range for " +
                     (std::is_floating_point_v<T> ? "a double" : "a 64-bit integer"));
  }
  bool ok = ec == std::errc() && ptr == end;
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
  if (!ok) {
    throw UsageError(std::string(flag) + ": expected " +
                     (std::is_floating_point_v<T> ? "a number" : "an integer") + ", got '" +
                     std::string(text) + "'");
  }
  return value;
}

template <typename T>
T ParseInRange(std::string_view flag, std::string_view text, const Range& range) {
  T value = ParseNumber<T>(flag, text);
  if (!range.Contains(static_cast<double>(value))) {
    throw UsageError(std::string(flag) + ": must be " + range.Describe() + ", got " +
                     std::string(text));
  }
  return value;
}

FlagSpec DoubleFlag(std::string_view name, double TrialFlags::*field, Range range,
                    std::string doc) {
  return {name, "DOUBLE", doc, range.Describe(),
          [field](const TrialFlags& f) { return FormatNumber(f.*field); },
          [name, field, range](std::string_view v, TrialFlags& f) {
            f.*field = ParseInRange<double>(name, v, range);
          }};
}

FlagSpec IntFlag(std::string_view name, int64_t TrialFlags::*field, Range range,
                 std::string doc) {
  return {name, "INT", doc, range.Describe(),
          [field](const TrialFlags& f) { return std::to_string(f.*field); },
          [name, field, range](std::string_view v, TrialFlags& f) {
            f.*field = ParseInRange<int64_t>(name, v, range);
          }};
}

FlagSpec ChoiceFlag(std::string_view name, std::string TrialFlags::*field,
                    std::vector<std::string_view> choices, std::string doc) {
  std::string joined;
  for (std::string_view choice : choices) joined += (joined.empty() ? "" : "|") + std::string(choice);
  return {name, joined, doc, "",
          [field](const TrialFlags& f) { return f.*field; },
          [name, field, choices, joined](std::string_view v, TrialFlags& f) {
            if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
              throw UsageError(std::string(name) + ": must be one of " + joined + ", got '" +
                               std::string(v) + "'");
            }
            f.*field = v;
          }};
}

FlagSpec PathFlag(std::string_view name, std::string TrialFlags::*field, std::string doc) {
  return {name, "PATH", doc, "",
          [field](const TrialFlags& f) { return (f.*field).empty() ? "none" : f.*field; },
          [name, field](std::string_view v, TrialFlags& f) {
            // Empty is the default's "none": given, it is a mistake, not a choice.
            if (v.empty()) throw UsageError(std::string(name) + ": expected a path, got ''");
            f.*field = v;
          }};
}

constexpr Range kGpuMemoryFractionRange{.min = 0, .min_open = true, .max = 1};

const std::vector<FlagSpec>& FlagTable() {
  static const auto* table = new std::vector<FlagSpec>{
      DoubleFlag("--lr", &TrialFlags::lr,
                 {.min = 0, .min_open = true, .max = kMaxOptimizerValue}, "learning rate"),
      DoubleFlag("--momentum", &TrialFlags::momentum, {.min = 0, .max = 1, .max_open = true},
                 "SGD momentum (adam keeps its own betas)"),
      ChoiceFlag("--optimizer", &TrialFlags::optimizer, {"sgd", "adam"}, "optimizer"),
      IntFlag("--batch-size", &TrialFlags::batch_size, AtLeast(1), "training mini-batch size"),
      IntFlag("--epochs", &TrialFlags::epochs, AtLeast(1), "passes over the training data"),
      IntFlag("--hidden", &TrialFlags::hidden, {.min = 1, .max = kMaxHidden}, "units of the hidden dense layer"),
      DoubleFlag("--dropout", &TrialFlags::dropout, {.min = 0, .max = 1, .max_open = true},
                 "dropout before the output layer"),
      DoubleFlag("--weight-decay", &TrialFlags::weight_decay,
                 {.min = 0, .max = kMaxOptimizerValue}, "L2 weight decay"),
      ChoiceFlag("--model", &TrialFlags::model, {"mlp", "cnn"},
                 "network: one hidden layer, or two conv+pool blocks and a hidden layer"),
      ChoiceFlag("--device", &TrialFlags::device, {"auto", "cpu", "cuda"},
                 "where to train; auto picks CUDA when available"),
      {"--gpu-memory-fraction", "DOUBLE",
       "cap on LibTorch's CUDA caching allocator, as a fraction of the GPU's memory",
       kGpuMemoryFractionRange.Describe(),
       [](const TrialFlags&) { return "$" + std::string(kGpuMemoryFractionEnv) + ", else no cap"; },
       [](std::string_view v, TrialFlags& f) {
         f.gpu_memory_fraction = ParseInRange<double>("--gpu-memory-fraction", v,
                                                      kGpuMemoryFractionRange);
       }},
      IntFlag("--seed", &TrialFlags::seed, AtLeast(0),
              "seed for initialisation, dropout and data order"),
      IntFlag("--train-limit", &TrialFlags::train_limit, AtLeast(0),
              "train on the first N training images only; 0 means all 60000"),
      IntFlag("--val-limit", &TrialFlags::val_limit, AtLeast(0),
              "validate on the first N t10k images only; 0 means all 10000"),
      PathFlag("--checkpoint", &TrialFlags::checkpoint,
               "save the model here (torch::save) after every epoch"),
      IntFlag("--threads", &TrialFlags::threads,
              {.min = 0, .max = static_cast<double>(MaxThreads())},
              "CPU threads for LibTorch (0: LibTorch's default), at most " +
                  std::to_string(kThreadsPerCpu) + " per CPU this process may run on"),
      PathFlag("--data-dir", &TrialFlags::data_dir,
               "folder with Fashion-MNIST's {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz "
               "(or the same names gunzipped, without .gz)"),
  };
  return *table;
}

const FlagSpec* FindFlag(std::string_view name) {
  for (const FlagSpec& spec : FlagTable()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

int64_t MaxThreads() {
  cpu_set_t cpus;
  // sched_getaffinity counts what taskset or a container's cpuset allow, as
  // nproc does; it fails only beyond CPU_SETSIZE (1024) CPUs.
  const int64_t count = sched_getaffinity(0, sizeof(cpus), &cpus) == 0
                            ? CPU_COUNT(&cpus)
                            : std::thread::hardware_concurrency();
  return kThreadsPerCpu * std::max<int64_t>(count, 1);
}

TrialFlags ParseFlags(std::span<const std::string_view> args, const char* gpu_memory_fraction_env) {
  TrialFlags flags;
  // As with argparse, help wins over whatever else is wrong.
  auto is_help = [](std::string_view arg) { return arg == "--help" || arg == "-h"; };
  if (std::any_of(args.begin(), args.end(), is_help)) {
    flags.help = true;
    return flags;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) throw UsageError("unexpected argument '" + std::string(arg) + "'");
    size_t equals = arg.find('=');
    std::string_view name = arg.substr(0, equals);
    const FlagSpec* spec = FindFlag(name);
    if (spec == nullptr) {
      throw UsageError("unknown flag " + std::string(name) + " (see --help)");
    }
    std::string_view value;
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
      value = args[++i];
    } else {
      throw UsageError(std::string(name) + ": missing value");
    }
    spec->set(value, flags);
  }
  // Set but empty (VAR= in a shell) is unset.
  if (!flags.gpu_memory_fraction && gpu_memory_fraction_env != nullptr && *gpu_memory_fraction_env != '\0') {
    flags.gpu_memory_fraction = ParseInRange<double>(
        kGpuMemoryFractionEnv, gpu_memory_fraction_env, kGpuMemoryFractionRange);
  }
  return flags;
}

std::string HelpText() {
  const TrialFlags defaults;
  std::ostringstream out;
  out << "Usage: hpsearch-trial [--flag=value | --flag value]...\n"
         "Trains a small network on Fashion-MNIST and prints one Katib metric line per epoch\n"
         "on stdout: epoch=N loss=X accuracy=Y val_loss=Z val_accuracy=W (validation: t10k).\n\n";
  for (const FlagSpec& spec : FlagTable()) {
    out << "  " << spec.name << "=" << spec.value_name << "\n      " << spec.doc;
    if (!spec.constraint.empty()) out << "; " << spec.constraint;
    out << " (default: " << spec.show(defaults) << ")\n";
  }
  out << "  -h, --help\n      print this help and exit\n\n"
         "Exit status: 0 success, 1 runtime error (missing data, no CUDA, diverged),\n"
         "2 usage error, 3 GPU memory budget exceeded.\n";
  return out.str();
}

}  // namespace hpsearch::trial
