// The per-epoch metrics line, in the `name=value` form that Katib's
// StdOut metrics collector parses with its default filter
// `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`.
#ifndef HPSEARCH_TRIAL_HPSEARCH_TRIAL_METRIC_LINE_H_
#define HPSEARCH_TRIAL_HPSEARCH_TRIAL_METRIC_LINE_H_

#include <cstdint>
#include <string>

#include "trial/hpsearch_trial/training.h"

namespace hpsearch::trial {

// "epoch=N loss=X accuracy=Y val_loss=Z val_accuracy=W" without a newline.
// Values have 6 significant digits (%g style: "0.4321", "1.5e-05"); they
// must be finite, since Katib's filter cannot read nan or inf.
std::string FormatMetricLine(int64_t epoch, const EpochMetrics& train,
                             const EpochMetrics& validation);

}  // namespace hpsearch::trial

#endif  // HPSEARCH_TRIAL_HPSEARCH_TRIAL_METRIC_LINE_H_
