// Command-line flags of hpsearch-trial.
//
// One table (flags.cc) holds every flag's name, type, default, bounds and
// doc; parsing, validation and --help all follow from it, so they cannot
// drift apart. Flags take `--name=value` or `--name value`. Defaults are the
// member initialisers of TrialFlags.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_FLAGS_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_FLAGS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hpsearch::trial {

struct TrialFlags {
  double lr = 0.01;
  double momentum = 0.9;
  std::string optimizer = "sgd";
  int64_t batch_size = 64;
  int64_t epochs = 5;
  int64_t hidden = 128;
  double dropout = 0.2;
  double weight_decay = 0.0;
  std::string model = "mlp";
  std::string device = "auto";
  // Unset means: no cap (after HPSEARCH_GPU_MEMORY_FRACTION was consulted).
  std::optional<double> gpu_memory_fraction;
  int64_t seed = 1;
  int64_t train_limit = 0;  // 0: all 60000 training images.
  int64_t val_limit = 0;    // 0: all 10000 t10k images.
  std::string checkpoint;   // Empty: no checkpoint.
  int64_t threads = 0;      // 0: LibTorch's default.
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  bool help = false;
};

// A bad command line; main() reports it and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// More CPU threads than CPUs never speed LibTorch up, and each one beyond
// them cost about 0.1 s before the first epoch on a 2-core machine
// (--threads 1024: 100 s), so --threads takes at most this many per CPU.
inline constexpr int64_t kThreadsPerCpu = 4;

// The largest --threads accepted: kThreadsPerCpu times the CPUs this process
// may run on, as nproc counts them (taskset, a container's cpuset).
int64_t MaxThreads();

// Environment variable read when --gpu-memory-fraction is absent.
inline constexpr char kGpuMemoryFractionEnv[] = "HPSEARCH_GPU_MEMORY_FRACTION";

// Parses `args` (argv without the program name). `gpu_memory_fraction_env`
// is the value of kGpuMemoryFractionEnv, or nullptr when unset; it is
// validated like the flag. Throws UsageError naming the flag (or variable)
// on unknown flags, missing values, non-numbers and out-of-range values.
TrialFlags ParseFlags(std::span<const std::string_view> args, const char* gpu_memory_fraction_env);

// The --help text: every flag with its value type, doc, bounds and default.
std::string HelpText();

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_FLAGS_H_
