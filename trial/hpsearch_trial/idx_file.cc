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
// Keeps the product of the dimensions from overflowing; far above
// Fashion-MNIST's 47 MB.
constexpr int64_t kMaxDataBytes = int64_t{1} << 32;
// The data buffer starts at this size and at most doubles as data arrives.
constexpr size_t kFirstDataChunk = size_t{1} << 20;

struct GzCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

[[noreturn]] void Fail(const std::filesystem::path& path, const std::string& why) {
  throw std::runtime_error(path.string() + ": " + why);
}

// Reads up to `size` bytes and returns how many it read: fewer only at the
// end of the data.
size_t Read(gzFile file, const std::filesystem::path& path, uint8_t* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    // gzread takes an unsigned count; read in chunks well under its limit.
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1 << 30));
    int n = gzread(file, out + done, chunk);
    int code = Z_OK;
    const char* message = gzerror(file, &code);
    // zlib returns a gzip stream cut short as a short read, flagged only
    // here ("unexpected end of file"): without this, a cut file would read
    // as a bad magic number or a short IDX file.
    if (code == Z_BUF_ERROR) Fail(path, "truncated: the gzip stream ends early");
    if (n < 0) Fail(path, std::string("cannot decompress: ") + message);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace

IdxArray ReadIdxFile(const std::filesystem::path& path, int expected_rank) {
  // gzopen reads plain files transparently, so unpacked copies work too.
  GzHandle file(gzopen(path.c_str(), "rb"));
  if (!file) Fail(path, "cannot open (missing file or no permission)");

  std::array<uint8_t, 4> magic{};
  if (Read(file.get(), path, magic.data(), magic.size()) < magic.size() || magic[0] != 0 ||
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
    if (Read(file.get(), path, be.data(), be.size()) < be.size()) Fail(path, "truncated header");
    int64_t dim = (int64_t{be[0]} << 24) | (int64_t{be[1]} << 16) | (int64_t{be[2]} << 8) | be[3];
    if (dim != 0 && total > kMaxDataBytes / dim) Fail(path, "dimensions too large");
    array.dims.push_back(dim);
    total *= dim;
  }

  // The buffer grows with the data read, so that a header claiming more
  // than the file holds (5,000,000 images: 3.9 GB) fails at the data's end
  // instead of allocating the claim first.
  const auto size = static_cast<size_t>(total);
  size_t done = 0;
  while (done < size) {
    const size_t chunk = std::min(size - done, std::max(kFirstDataChunk, done));
    array.data.reserve(done + chunk);  // resize alone may grow it past the data.
    array.data.resize(done + chunk);
    const size_t n = Read(file.get(), path, array.data.data() + done, chunk);
    done += n;
    if (n < chunk) {
      Fail(path, "truncated: header promises " + std::to_string(size) +
                     " data bytes, the file holds " + std::to_string(done));
    }
  }
  uint8_t extra = 0;
  if (Read(file.get(), path, &extra, 1) == 1) Fail(path, "data longer than its header says");
  return array;
}

}  // namespace hpsearch::trial
