// Fuzzes the metrics parser on arbitrary bytes fed in arbitrary chunks:
// no crash, no leak, bounded lines, and the default-filter scanner must give
// exactly what RE2 running Katib's default filter gives (a differential
// check). The first input byte picks the chunk sizes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metrics_parser.h"

namespace {

using hpsearch::metrics::MetricsFormat;
using hpsearch::metrics::MetricsParser;
using hpsearch::metrics::ParserOptions;

MetricsParser Make(MetricsFormat format, bool use_regex, std::vector<std::string> filters = {}) {
  ParserOptions options;
  options.format = format;
  options.metric_names = {"loss", "acc", "a|b", "e"};
  options.filters = std::move(filters);
  options.use_regex_for_default_filter = use_regex;
  options.max_line_bytes = 256;
  auto parser = MetricsParser::Create(std::move(options));
  if (!parser.ok()) std::abort();
  return *std::move(parser);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  MetricsParser scanner = Make(MetricsFormat::kText, false);
  MetricsParser regex = Make(MetricsFormat::kText, true);
  MetricsParser custom =
      Make(MetricsFormat::kText, false, {R"re((\w*):(\d*))re", R"re("(\w+)"\s*=\s*(\S+))re"});
  MetricsParser json = Make(MetricsFormat::kJson, false);
  for (size_t i = 0; i < input.size(); i += chunk) {
    const std::string_view piece = input.substr(i, chunk);
    scanner.Feed(piece);
    regex.Feed(piece);
    custom.Feed(piece);
    json.Feed(piece);
  }
  for (MetricsParser* parser : {&scanner, &regex, &custom, &json}) parser->Finish();
  if (scanner.TakeRecords() != regex.TakeRecords()) std::abort();
  custom.TakeRecords();
  json.TakeRecords();
  return 0;
}
