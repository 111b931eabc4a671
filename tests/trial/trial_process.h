// Runs the built hpsearch-trial binary and captures what it printed.
#ifndef HPSEARCH_TESTS_TRIAL_TRIAL_PROCESS_H_
#define HPSEARCH_TESTS_TRIAL_TRIAL_PROCESS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace hpsearch::trial::test_support {

struct TrialRun {
  int exit_code = -1;  // 128 + signal number if it was killed.
  std::string out;
  std::string err;
  std::vector<std::string> out_lines;
  int64_t peak_rss_kb = 0;  // The process's maximum resident set size.
};

// Runs HPSEARCH_BIN_DIR/hpsearch-trial with `args` and waits for it.
TrialRun RunTrial(const std::vector<std::string>& args);

}  // namespace hpsearch::trial::test_support

#endif  // HPSEARCH_TESTS_TRIAL_TRIAL_PROCESS_H_
