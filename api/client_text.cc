#include "api/client_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hpsearch::api {
namespace {

constexpr size_t kMaxStatusMessageBytes = 4096;

bool IsUtf8Continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

}  // namespace

std::string Printable(std::string_view text, size_t max_bytes) {
  size_t kept = std::min(text.size(), max_bytes);
  while (kept > 0 && kept < text.size() && IsUtf8Continuation(text[kept])) --kept;
  std::string out;
  out.reserve(kept);
  for (char c : text.substr(0, kept)) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7F) {
      out += absl::StrFormat("\\x%02x", byte);
    } else {
      out += c;
    }
  }
  if (kept < text.size()) absl::StrAppend(&out, "... (", text.size() - kept, " more bytes)");
  return out;
}

std::string Printable(const absl::Status& status, size_t max_bytes) {
  return Printable(std::string_view(status.message().data(), status.message().size()), max_bytes);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), Printable(status, kMaxStatusMessageBytes));
}

}  // namespace hpsearch::api
