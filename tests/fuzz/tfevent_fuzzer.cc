// Fuzzes Katib's TensorFlowEvent collector: the input becomes one event file,
// then is collected. No crash, no leak, and no allocation that a record's
// claimed length asks for beyond the file (libFuzzer's malloc limit).
//
// The first input byte picks how: even, the rest is the file as it is, so
// framing and checksums are fuzzed; odd, the rest is a series of records,
// each a length byte then that many bytes of Event, written with valid
// checksums after a "brain.Event:2" record, so that mutations reach the
// parsing and accumulation of events.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/tfevent_collector.h"
#include "tests/support/tfevent_writer.h"

namespace {

const std::filesystem::path& Root() {
  static const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("hpsearch_tfevent_fuzzer_" + std::to_string(getpid()));
  return root;
}

void WriteRecords(const std::filesystem::path& file, std::string_view records) {
  hpsearch::testing::TfEventWriter writer(file);
  while (!records.empty()) {
    const size_t length = static_cast<unsigned char>(records[0]);
    records.remove_prefix(1);
    writer.AddRecord(records.substr(0, length));
    records.remove_prefix(std::min(length, records.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The file lies in a directory "b", which "b/loss" asks for.
  static const std::filesystem::path file = [] {
    std::filesystem::create_directories(Root() / "b");
    std::atexit([] { std::filesystem::remove_all(Root()); });
    return Root() / "b" / "events.out.tfevents.1";
  }();
  // "" takes every tag.
  static const std::vector<std::string> metrics = {"loss", "acc", "b/loss", "c/loss", ""};
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        .write(input.data(), static_cast<std::streamsize>(input.size()));
  } else {
    WriteRecords(file, input);
  }
  hpsearch::metrics::CollectTfEvents(file.parent_path(), metrics);
  return 0;
}
