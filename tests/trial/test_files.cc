#include "tests/trial/test_files.h"

#include <ftw.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include <fstream>
#include <stdexcept>

namespace hpsearch::trial::test_support {

std::string IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                     uint8_t type) {
  std::string bytes = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(dim >> shift));
  }
  bytes.append(data.begin(), data.end());
  return bytes;
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes, bool gzip) {
  if (!gzip) {
    std::ofstream(path, std::ios::binary) << bytes;
    return;
  }
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("cannot write " + path.string());
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

TempDir::TempDir() {
  std::string pattern = ::testing::TempDir() + "hpsearch_trial_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

// Not std::filesystem::remove_all: PyTorch's pip wheels export a statically
// linked copy of it that binaries linked with LibTorch call, and it crashes
// (pytorch/pytorch#133437; seen with torch 2.11.0+cu130).
TempDir::~TempDir() {
  nftw(
      path_.c_str(), [](const char* path, const struct stat*, int, FTW*) { return ::remove(path); },
      16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace hpsearch::trial::test_support
