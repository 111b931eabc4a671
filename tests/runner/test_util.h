// Helpers shared by the runner's tests.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace hpsearch::runner::test_util {

// The whole file, or "" when it cannot be read.
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh, empty directory for the running test, unique to this process too,
// so that concurrent runs of the same test never share files.
inline std::filesystem::path FreshTestDir() {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              ("hpsearch-runner-" + std::to_string(getpid())) /
                              ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Whether `pid` is a live process. A zombie counts as gone: its reaping is
// up to whoever adopted it.
inline bool ProcessExists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, command, state;
  return static_cast<bool>(stat >> pid_field >> command >> state) && state != "Z";
}

// Whether `pid` is gone for good: ended and reaped, not even a zombie.
inline bool ProcessReaped(pid_t pid) {
  return !std::filesystem::exists("/proc/" + std::to_string(pid));
}

}  // namespace hpsearch::runner::test_util
