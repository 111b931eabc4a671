// Table-driven tests over tests/fixtures/experiments: every valid fixture and
// every manifests/examples file loads without errors; every invalid fixture
// produces exactly the errors its leading "# expect: LINE:COL PATH: MESSAGE"
// comments list (MESSAGE a substring of the real message).
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "api/experiment_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "re2/re2.h"

namespace hpsearch::api {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> YamlFiles(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Describe(const std::vector<Diagnostic>& diagnostics, const std::string& file) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += FormatDiagnostic(file, d) + "\n";
  return out;
}

TEST(ExperimentFixtures, ValidFixturesAndExamplesLoad) {
  std::vector<std::string> files =
      YamlFiles(fs::path(HPSEARCH_SOURCE_DIR) / "tests/fixtures/experiments/valid");
  ASSERT_GE(files.size(), 11u);
  for (const std::string& f : YamlFiles(fs::path(HPSEARCH_SOURCE_DIR) / "manifests/examples")) {
    files.push_back(f);
  }
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const LoadedExperiment loaded = LoadExperimentFile(file);
    EXPECT_TRUE(loaded.ok()) << Describe(loaded.diagnostics, file);
    EXPECT_TRUE(loaded.diagnostics.empty()) << Describe(loaded.diagnostics, file);
  }
}

struct Expectation {
  int line = 0;
  int column = 0;
  std::string path;
  std::string message;
};

std::vector<Expectation> ReadExpectations(const std::string& file) {
  static const RE2 kExpect(R"(# expect: (\d+):(\d+) (?:(\S+): )?(.*))");
  std::vector<Expectation> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line) && line.starts_with("#")) {
    Expectation e;
    if (RE2::FullMatch(line, kExpect, &e.line, &e.column, &e.path, &e.message)) out.push_back(e);
  }
  return out;
}

TEST(ExperimentFixtures, InvalidFixturesReportExactlyTheExpectedErrors) {
  const std::vector<std::string> files =
      YamlFiles(fs::path(HPSEARCH_SOURCE_DIR) / "tests/fixtures/experiments/invalid");
  ASSERT_GE(files.size(), 30u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const std::vector<Expectation> expected = ReadExpectations(file);
    ASSERT_FALSE(expected.empty()) << "fixture has no '# expect:' line";
    const LoadedExperiment loaded = LoadExperimentFile(file);
    EXPECT_FALSE(loaded.ok());
    std::vector<Diagnostic> errors;
    for (const Diagnostic& d : loaded.diagnostics) {
      if (d.severity == Severity::kError) errors.push_back(d);
    }
    const std::string got = Describe(errors, file);
    ASSERT_EQ(errors.size(), expected.size()) << got;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(errors[i].position.line, expected[i].line) << got;
      EXPECT_EQ(errors[i].position.column, expected[i].column) << got;
      EXPECT_EQ(errors[i].path, expected[i].path) << got;
      EXPECT_THAT(errors[i].message, testing::HasSubstr(expected[i].message)) << got;
    }
  }
}

}  // namespace
}  // namespace hpsearch::api
