#include "api/client_text.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpsearch::api {
namespace {

using ::testing::EndsWith;
using ::testing::SizeIs;

TEST(PrintableTest, EscapesWhatCouldForgeALogLine) {
  EXPECT_EQ(Printable("a\nb\rc\td\x1b[31me\x7f", 100), "a\\nb\\rc\\td\\x1b[31me\\x7f");
  EXPECT_EQ(Printable("lr ✓", 100), "lr ✓");  // UTF-8 text stays
}

TEST(PrintableTest, CutsLongTextSayingHowMuchWasLeftOut) {
  EXPECT_EQ(Printable(std::string(10, 'x'), 4), "xxxx... (6 more bytes)");
  EXPECT_EQ(Printable("abcd", 4), "abcd");
  // Never inside a character: "é" is two bytes.
  EXPECT_EQ(Printable("aé", 2), "a... (2 more bytes)");
}

TEST(ToGrpcStatusTest, KeepsTheCodeAndBoundsTheMessage) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  const grpc::Status status = ToGrpcStatus(absl::InvalidArgumentError("parameter " + std::string(1 << 20, 'p')));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), SizeIs(::testing::Lt(4200u)));
  EXPECT_THAT(status.error_message(), EndsWith("more bytes)"));
}

}  // namespace
}  // namespace hpsearch::api
