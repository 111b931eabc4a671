// Files for tests: IDX data (optionally gzipped, deliberately malformed) and
// temporary folders.
#ifndef HPSEARCH_TESTS_TRIAL_TEST_FILES_H_
#define HPSEARCH_TESTS_TRIAL_TEST_FILES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hpsearch::trial::test_support {

// The bytes of an IDX file: magic {0, 0, type, dims.size()}, big-endian
// dims, then `data` as given (so tests can make it short or long).
std::string IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data,
                     uint8_t type = 0x08);

// Writes `bytes` to `path`, gzip-compressed unless `gzip` is false.
void WriteFile(const std::filesystem::path& path, const std::string& bytes, bool gzip = true);

// A fresh empty folder under the test's temporary directory, removed with
// everything in it at the end of the scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace hpsearch::trial::test_support

#endif  // HPSEARCH_TESTS_TRIAL_TEST_FILES_H_
