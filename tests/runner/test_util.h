// Helpers shared by the runner's tests.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hpsearch::runner::test_util {

// The whole file, or "" when it cannot be read.
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether `pid` is a live process. A zombie counts as gone: its reaping is
// up to whoever adopted it.
inline bool ProcessExists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, command, state;
  return static_cast<bool>(stat >> pid_field >> command >> state) && state != "Z";
}

}  // namespace hpsearch::runner::test_util
