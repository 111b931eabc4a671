// Budgets: parsing fractions and sizes, and which source wins.
#include "gpu/budget.h"

#include <map>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gpu/fake_backend.h"

namespace hpsearch::gpu {
namespace {

using ::hpsearch::gpu::testing::kGiB;
using ::hpsearch::gpu::testing::MakeDevice;
using ::testing::HasSubstr;

TEST(ParseGpuMemoryFractionTest, AcceptsFractionsInZeroOne) {
  EXPECT_EQ(ParseGpuMemoryFraction("0.25").value_or(-1), 0.25);
  EXPECT_EQ(ParseGpuMemoryFraction(" 1 ").value_or(-1), 1.0);
  for (const char* bad : {"0", "-0.5", "1.5", "half", "", "nan", "inf"}) {
    EXPECT_EQ(ParseGpuMemoryFraction(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseMemorySizeTest, ReadsKubernetesQuantities) {
  EXPECT_EQ(ParseMemorySize("6Gi").value_or(0), 6 * kGiB);
  EXPECT_EQ(ParseMemorySize("1.5Gi").value_or(0), 3 * kGiB / 2);
  EXPECT_EQ(ParseMemorySize("512Mi").value_or(0), uint64_t{512} << 20);
  EXPECT_EQ(ParseMemorySize("64Ki").value_or(0), uint64_t{64} << 10);
  EXPECT_EQ(ParseMemorySize("1Ti").value_or(0), uint64_t{1} << 40);
  EXPECT_EQ(ParseMemorySize("8G").value_or(0), uint64_t{8'000'000'000});
  EXPECT_EQ(ParseMemorySize("500M").value_or(0), uint64_t{500'000'000});
  EXPECT_EQ(ParseMemorySize("2k").value_or(0), uint64_t{2000});
  EXPECT_EQ(ParseMemorySize(" 4000000000 ").value_or(0), uint64_t{4'000'000'000});
}

TEST(ParseMemorySizeTest, RejectsWhatIsNoPositiveSize) {
  for (const char* bad : {"", "Gi", "0", "0Gi", "-1Gi", "lots", "6GB", "6 Gi", "6gi", "nan", "infGi", "1e30Ti", "6Gi x"}) {
    absl::StatusOr<uint64_t> size = ParseMemorySize(bad);
    EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseMemorySize("lots").status().message(), HasSubstr("\"lots\" is not a memory size"));
}

TEST(MemoryBudgetTest, FractionScalesWithTheDeviceSizeDoesNot) {
  const GpuDevice small = MakeDevice(0, 16, 16);
  const GpuDevice large = MakeDevice(1, 80, 80);
  const MemoryBudget quarter = *MemoryBudget::Fraction(0.25);
  EXPECT_EQ(quarter.BytesFor(small.total_bytes), 4 * kGiB);
  EXPECT_EQ(quarter.BytesFor(large.total_bytes), 20 * kGiB);
  EXPECT_EQ(quarter.ToString(), "25% of a GPU");
  const MemoryBudget six = *MemoryBudget::Bytes(6 * kGiB);
  EXPECT_EQ(six.BytesFor(small.total_bytes), 6 * kGiB);
  EXPECT_EQ(six.BytesFor(large.total_bytes), 6 * kGiB);
  EXPECT_EQ(six.ToString(), "6.0 GiB");
  EXPECT_FALSE(MemoryBudget::Fraction(0).ok());
  EXPECT_FALSE(MemoryBudget::Fraction(1.01).ok());
  EXPECT_FALSE(MemoryBudget::Bytes(0).ok());
}

TEST(BudgetRequestFromAnnotationsTest, ReadsBothAnnotations) {
  const BudgetRequest request = BudgetRequestFromAnnotations(
      {{"hpsearch.kubeflow.org/gpu-memory-fraction", "0.5"}, {"hpsearch.kubeflow.org/gpu-memory", "4Gi"}, {"x", "y"}});
  EXPECT_EQ(request.fraction, "0.5");
  EXPECT_EQ(request.size, "4Gi");
  const BudgetRequest none = BudgetRequestFromAnnotations({{"x", "y"}});
  EXPECT_FALSE(none.fraction.has_value());
  EXPECT_FALSE(none.size.has_value());
}

TEST(ChooseBudgetTest, FlagsBeatAnnotationsBeatTheDerivedShare) {
  const GpuDevice device = MakeDevice(0, 16, 16);
  const BudgetRequest annotations{.fraction = "0.5", .size = std::nullopt};
  EXPECT_EQ(ChooseBudget({.fraction = std::nullopt, .size = "2Gi"}, annotations, 4, 1)->BytesFor(device.total_bytes), 2 * kGiB);
  EXPECT_EQ(ChooseBudget({}, annotations, 4, 1)->BytesFor(device.total_bytes), 8 * kGiB);
  EXPECT_EQ(ChooseBudget({}, {}, 4, 1)->BytesFor(device.total_bytes), 4 * kGiB);
}

TEST(ChooseBudgetTest, DerivedShareIsOneOverTrialsPerGpu) {
  const GpuDevice device = MakeDevice(0, 16, 16);
  EXPECT_EQ(ChooseBudget({}, {}, 4, 2)->BytesFor(device.total_bytes), 8 * kGiB);
  EXPECT_EQ(ChooseBudget({}, {}, 3, 2)->BytesFor(device.total_bytes), 8 * kGiB);  // ceil(3/2) = 2 per GPU
  EXPECT_EQ(ChooseBudget({}, {}, 1, 4)->BytesFor(device.total_bytes), 16 * kGiB);
  EXPECT_EQ(ChooseBudget({}, {}, 0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseBudget({}, {}, 2, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChooseBudgetTest, ErrorsNameTheirSource) {
  EXPECT_THAT(ChooseBudget({.fraction = "2", .size = std::nullopt}, {}, 1, 1).status().message(),
              HasSubstr("--gpu-memory-fraction: \"2\" is not a number in (0, 1]"));
  EXPECT_THAT(ChooseBudget({}, {.fraction = std::nullopt, .size = "big"}, 1, 1).status().message(),
              HasSubstr("annotation hpsearch.kubeflow.org/gpu-memory: \"big\""));
  EXPECT_THAT(ChooseBudget({.fraction = "0.5", .size = "2Gi"}, {}, 1, 1).status().message(),
              HasSubstr("either --gpu-memory-fraction or --gpu-memory, not both"));
}

}  // namespace
}  // namespace hpsearch::gpu
