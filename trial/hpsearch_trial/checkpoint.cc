#include "trial/hpsearch_trial/checkpoint.h"

#include <stdlib.h>
#include <unistd.h>

#include <torch/serialize.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace hpsearch::trial {
namespace {

[[noreturn]] void Fail(const std::filesystem::path& path, const std::string& why) {
  throw std::runtime_error("--checkpoint " + path.string() + ": " + why);
}

}  // namespace

void CheckCheckpointPath(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) Fail(path, "is a folder, not a file");
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  const std::filesystem::file_status folder_status = std::filesystem::status(folder, error);
  if (!std::filesystem::is_directory(folder_status)) {
    Fail(path, error ? "no folder " + folder.string() + " (" + error.message() + ")"
                     : folder.string() + " is not a folder");
  }
  // Saving creates a file in the folder and renames it there; creating one
  // is the test that also holds for root, read-only mounts and ACLs.
  std::string probe = (folder / ".hpsearch-trial-XXXXXX").string();
  const int fd = mkstemp(probe.data());
  if (fd < 0) Fail(path, "cannot write in folder " + folder.string() + ": " + std::strerror(errno));
  close(fd);
  unlink(probe.c_str());
}

void SaveCheckpoint(const torch::nn::Sequential& model, const std::filesystem::path& path) {
  std::filesystem::path partial = path;
  partial += ".partial";
  try {
    torch::save(model, partial.string());
    std::filesystem::rename(partial, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
}

}  // namespace hpsearch::trial
