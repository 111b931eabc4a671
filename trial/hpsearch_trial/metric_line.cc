#include "trial/hpsearch_trial/metric_line.h"

#include <sstream>

namespace hpsearch::trial {

std::string FormatMetricLine(int64_t epoch, const EpochMetrics& train,
                             const EpochMetrics& validation) {
  std::ostringstream line;
  line.precision(6);
  line << "epoch=" << epoch << " loss=" << train.loss << " accuracy=" << train.accuracy
       << " val_loss=" << validation.loss << " val_accuracy=" << validation.accuracy;
  return line.str();
}

}  // namespace hpsearch::trial
