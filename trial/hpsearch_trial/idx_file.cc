#include "trial/hpsearch_trial/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>

namespace hpsearch::trial {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
// Far above Fashion-MNIST's 47 MB; guards against absurd headers.
constexpr int64_t kMaxDataBytes = int64_t{1} << 32;

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

[[noreturn]] void Fail(const std::filesystem::path& path, const std::string& why) {
  throw std::runtime_error(path.string() + ": " + why);
}

// Reads exactly `size` bytes; false at a clean or early end of file.
bool ReadExactly(gzFile file, const std::filesystem::path& path, uint8_t* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    // gzread takes an unsigned count; read in chunks well under its limit.
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1 << 30));
    int n = gzread(file, out + done, chunk);
    if (n < 0) {
      int code = 0;
      Fail(path, std::string("cannot decompress: ") + gzerror(file, &code));
    }
    if (n == 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

IdxArray ReadIdxFile(const std::filesystem::path& path, int expected_rank) {
  // gzopen reads plain files transparently, so unpacked copies work too.
  GzHandle file(gzopen(path.c_str(), "rb"));
  if (!file) Fail(path, "cannot open (missing file or no permission)");

  std::array<uint8_t, 4> magic{};
  if (!ReadExactly(file.get(), path, magic.data(), magic.size()) || magic[0] != 0 ||
      magic[1] != 0) {
    Fail(path, "not an IDX file (bad magic number)");
  }
  if (magic[2] != kUnsignedByteType) {
    Fail(path, "IDX data type " + std::to_string(magic[2]) + " is not unsigned byte (8)");
  }
  if (magic[3] != expected_rank) {
    Fail(path, "expected " + std::to_string(expected_rank) + " dimensions, header says " +
                   std::to_string(magic[3]));
  }

  IdxArray array;
  int64_t total = 1;
  for (int d = 0; d < expected_rank; ++d) {
    std::array<uint8_t, 4> be{};
    if (!ReadExactly(file.get(), path, be.data(), be.size())) Fail(path, "truncated header");
    int64_t dim = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | be[3];
    if (dim != 0 && total > kMaxDataBytes / dim) Fail(path, "dimensions too large");
    array.dims.push_back(dim);
    total *= dim;
  }

  array.data.resize(static_cast<size_t>(total));
  if (!ReadExactly(file.get(), path, array.data.data(), array.data.size())) {
    Fail(path, "truncated: header promises " + std::to_string(total) + " data bytes");
  }
  uint8_t extra = 0;
  if (ReadExactly(file.get(), path, &extra, 1)) Fail(path, "data longer than its header says");
  return array;
}

}  // namespace hpsearch::trial
