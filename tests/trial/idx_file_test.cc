#include "trial/hpsearch_trial/idx_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/trial/test_files.h"

namespace hpsearch::trial {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test_support::IdxBytes;
using test_support::TempDir;
using test_support::WriteFile;

class IdxFileTest : public ::testing::Test {
 protected:
  const TempDir dir_;
  const std::filesystem::path path_ = dir_ / "file-idx3-ubyte.gz";

  // The message ReadIdxFile throws for the file written from `bytes`.
  std::string ErrorFor(const std::string& bytes, int rank = 3) {
    WriteFile(path_, bytes);
    return ReadError(rank);
  }

  std::string ReadError(int rank = 3) {
    try {
      ReadIdxFile(path_, rank);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  }
};

TEST_F(IdxFileTest, ReadsGzippedArray) {
  WriteFile(path_, IdxBytes({2, 1, 3}, {1, 2, 3, 4, 5, 6}));
  IdxArray array = ReadIdxFile(path_, 3);
  EXPECT_THAT(array.dims, ElementsAre(2, 1, 3));
  EXPECT_THAT(array.data, ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST_F(IdxFileTest, ReadsUncompressedFile) {
  WriteFile(path_, IdxBytes({3}, {7, 8, 9}), /*gzip=*/false);
  EXPECT_THAT(ReadIdxFile(path_, 1).data, ElementsAre(7, 8, 9));
}

TEST_F(IdxFileTest, MissingFileNamesThePath) {
  std::filesystem::remove(path_);
  try {
    ReadIdxFile(path_, 3);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path_.string()));
    EXPECT_THAT(e.what(), HasSubstr("cannot open"));
  }
}

TEST_F(IdxFileTest, RejectsMalformedFiles) {
  EXPECT_THAT(ErrorFor(""), HasSubstr("bad magic number"));
  EXPECT_THAT(ErrorFor("\x01\x02\x08\x03"), HasSubstr("bad magic number"));
  EXPECT_THAT(ErrorFor(IdxBytes({1, 1, 1}, {0}, /*type=*/0x0D)),
              HasSubstr("data type 13 is not unsigned byte"));
  EXPECT_THAT(ErrorFor(IdxBytes({1}, {0}), /*rank=*/3), HasSubstr("expected 3 dimensions"));
  EXPECT_THAT(ErrorFor(IdxBytes({2, 2, 2}, {}).substr(0, 10)), HasSubstr("truncated header"));
  EXPECT_THAT(ErrorFor(IdxBytes({2, 2, 2}, {1, 2, 3})),
              HasSubstr("truncated: header promises 8 data bytes, the file holds 3"));
  EXPECT_THAT(ErrorFor(IdxBytes({1, 1, 1}, {1, 2})), HasSubstr("longer than its header"));
  EXPECT_THAT(ErrorFor(IdxBytes({1, 1, 1}, {1, 2})), HasSubstr(path_.string()));
  EXPECT_THAT(ErrorFor(IdxBytes({65536, 65536, 65536}, {})), HasSubstr("dimensions too large"));
}

// zlib reads a gzip stream cut short as a short one: a file cut within the
// IDX header was once "not an IDX file (bad magic number)", one cut within
// the data "truncated: header promises ...", and one missing its trailer
// (size and CRC) read as whole.
TEST_F(IdxFileTest, CutGzipStreamIsTruncated) {
  WriteFile(path_, IdxBytes({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
  const uintmax_t size = std::filesystem::file_size(path_);
  // The gzip header takes 10 bytes; cuts only ever shorten the file.
  for (uintmax_t keep : {size - 4, uintmax_t{20}, uintmax_t{12}}) {
    std::filesystem::resize_file(path_, keep);
    EXPECT_EQ(ReadError(), path_.string() + ": truncated: the gzip stream ends early") << keep;
  }
}

// A header claiming 5,000,000 images (3.9 GB) was once allocated and zeroed
// before the data ran out: an OOM kill in a pod. It now fails at once.
TEST_F(IdxFileTest, ClaimBeyondTheDataFailsWhereTheDataEnds) {
  for (bool gzip : {true, false}) {
    WriteFile(path_, IdxBytes({5'000'000, 28, 28}, std::vector<uint8_t>(100)), gzip);
    EXPECT_THAT(ReadError(),
                HasSubstr("truncated: header promises 3920000000 data bytes, the file holds 100"));
  }
}

}  // namespace
}  // namespace hpsearch::trial
