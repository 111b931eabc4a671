// Text from a request, on its way back to a gRPC client or into a log
// line: bounded, with control characters escaped, so that a hostile request
// can neither swell a reply past what clients accept (gRPC limits metadata,
// where a status message travels, to 8 KiB) nor forge log lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace hpsearch::api {

// `text` with \n, \r, \t escaped and other control bytes as \xHH, cut
// after `max_bytes` (at a UTF-8 character boundary) with the number of
// bytes left out.
std::string Printable(std::string_view text, size_t max_bytes);
// The same for a status message (absl's own string_view type here).
std::string Printable(const absl::Status& status, size_t max_bytes);

// The same code (absl and gRPC share the canonical numbering) and the
// message made Printable within 4 KiB.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace hpsearch::api
