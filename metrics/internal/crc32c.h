// CRC-32C (Castagnoli), the checksum of TFRecord files such as TensorBoard's
// event files. Written here because no Debian 12 C or C++ package ships one:
// there is no libcrc32c-dev, and its Abseil (20220623) predates absl/crc.
#pragma once

#include <cstdint>
#include <string_view>

namespace hpsearch::metrics::internal {

// CRC-32C of `data` (reflected polynomial 0x82F63B78): crc32c("123456789") is 0xE3069283.
uint32_t Crc32c(std::string_view data);

// TFRecord's masked form, which stays robust when a CRC is itself checksummed:
// the CRC rotated right by 15 bits plus 0xa282ead8.
uint32_t MaskedCrc32c(std::string_view data);

}  // namespace hpsearch::metrics::internal
