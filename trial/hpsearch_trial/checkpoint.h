// --checkpoint: the model saved after every epoch.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_CHECKPOINT_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_CHECKPOINT_H_

#include <torch/nn/modules/container/sequential.h>

#include <filesystem>

namespace hpsearch::trial {

// Checks that a checkpoint can be saved at `path`: its folder exists and
// takes new files, and `path` is not a folder. Called before training, so
// that a bad path fails before the first epoch's metrics (which Katib
// records) rather than after. Throws std::runtime_error naming --checkpoint
// and the path; leaves nothing behind.
void CheckCheckpointPath(const std::filesystem::path& path);

// Saves `model` with torch::save to `path`.partial and renames it to
// `path`, so that a reader or a killed trial never sees half a checkpoint.
// On failure it removes `path`.partial and throws.
void SaveCheckpoint(const torch::nn::Sequential& model, const std::filesystem::path& path);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_CHECKPOINT_H_
