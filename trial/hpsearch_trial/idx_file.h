// Reading IDX files (the MNIST family's format), gzipped or not.
//
// IDX: two zero bytes, a type byte (0x08 = unsigned byte, the only type
// read here), the number of dimensions, each dimension as a big-endian
// uint32, then the data in row-major order.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_IDX_FILE_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_IDX_FILE_H_

#include <cstdint>
#include <filesystem>
#include <vector>

namespace hpsearch::trial {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // Product of dims bytes.
};

// Reads a whole unsigned-byte IDX file of `expected_rank` dimensions,
// decompressing it in process if it is gzipped. Throws std::runtime_error
// naming the file when it is missing, unreadable, not IDX, of another type
// or rank, truncated (also a gzip stream cut short), or longer than its
// header says. Memory grows with the data read, never with the header's
// claim alone.
IdxArray ReadIdxFile(const std::filesystem::path& path, int expected_rank);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_IDX_FILE_H_
