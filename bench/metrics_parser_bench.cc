// Metrics parser throughput on a realistic training log (bench/metrics.md).
//
//   metrics_parser_bench generate FILE [MEGABYTES]   # writes the log (default 200 MB)
//   metrics_parser_bench parse FILE                  # scanner vs RE2, 64 KiB chunks
//
// The log mixes metric lines (RFC 3339 timestamp, several name=value pairs)
// with the noise a trainer prints (progress, data loading, warnings); about
// one line in four carries metrics. The objective is "accuracy", the
// additional metric "loss".
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>

#include "fmt/format.h"
#include "metrics/metrics_parser.h"

namespace {

using hpsearch::metrics::MetricsParser;
using hpsearch::metrics::ParserOptions;

int Generate(const std::string& path, size_t megabytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 1;
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  const size_t target = megabytes << 20;
  size_t written = 0;
  std::string line;
  for (long step = 0; written < target; ++step) {
    const long epoch = step / 1000;
    const int second = static_cast<int>(step % 60);
    switch (step % 8) {
      case 0:
      case 4:
        line = fmt::format(
            "2024-03-04T17:{:02}:{:02}.{:06}Z INFO epoch={} step={} loss={:.6f} accuracy={:.6f} "
            "lr={:.3e}\n",
            (step / 60) % 60, second, step % 1000000, epoch, step, 2.3 * unit(rng), unit(rng),
            1e-3 * unit(rng));
        break;
      case 1:
        line = fmt::format(
            "[{}/{}] Loading batch {} from /data/fashion-mnist/train-images-idx3-ubyte "
            "(shuffle=true, workers=4)\n",
            step % 938, 938, step);
        break;
      case 2:
        line = fmt::format("Train Epoch: {} [{}/60000 ({:.0f}%)]\tthroughput {:.1f} samples/s\n",
                           epoch, (step * 64) % 60000, 100 * unit(rng), 5000 * unit(rng));
        break;
      case 3:
        line = "WARNING: gradient norm clipped; consider a lower learning rate for stability\n";
        break;
      case 5:
        line = fmt::format(
            "2024-03-04T17:{:02}:{:02}Z DEBUG cuda memory allocated {} MiB, reserved {} MiB\n",
            (step / 60) % 60, second, step % 4096, 4096);
        break;
      case 6:
        line = fmt::format(
            "{{\"event\": \"checkpoint\", \"path\": \"/tmp/ckpt-{}.pt\", \"bytes\": {}}}\n", step,
            step * 1024);
        break;
      default:
        line = fmt::format("Validation set: Average loss: {:.4f}, Accuracy: {}/10000\n", unit(rng),
                           step % 10000);
        break;
    }
    out << line;
    written += line.size();
  }
  std::cout << "wrote " << written << " bytes to " << path << "\n";
  return 0;
}

int Parse(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << " (run `generate` first)\n";
    return 1;
  }
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t lines = 0;
  for (char c : content) lines += c == '\n';
  constexpr size_t kChunk = 64 << 10;
  for (bool use_regex : {false, true}) {
    ParserOptions options;
    options.metric_names = {"accuracy", "loss"};
    options.use_regex_for_default_filter = use_regex;
    auto parser = MetricsParser::Create(options);
    if (!parser.ok()) return 1;
    size_t records = 0;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < content.size(); i += kChunk) {
      parser->Feed(std::string_view(content).substr(i, kChunk));
      records += parser->TakeRecords().size();
    }
    parser->Finish();
    records += parser->TakeRecords().size();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format(
        "{:8} {:7.1f} MB/s {:6.2f} M lines/s {:9} records in {:.3f} s ({} MB, {} lines)\n",
        use_regex ? "re2" : "scanner", content.size() / seconds / 1e6, lines / seconds / 1e6,
        records, seconds, content.size() / 1000000, lines);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "generate" && (argc == 3 || argc == 4)) {
    return Generate(argv[2], argc == 4 ? std::stoul(argv[3]) : 200);
  }
  if (mode == "parse" && argc == 3) return Parse(argv[2]);
  std::cerr << "usage: metrics_parser_bench generate FILE [MEGABYTES] | parse FILE\n";
  return 2;
}
