// Katib's TensorFlowEvent metrics collector
// (pkg/metricscollector/v1beta1/tfevent-metricscollector/tfevent_loader.py),
// which reads TensorBoard event files with TensorBoard's EventAccumulator:
//
//  * Every file under the directory, at any depth, whose name contains
//    "tfevents" (and does not end in ".profile-empty") is an event file, a
//    TFRecord stream of Event protobufs. Katib walks the directory in the
//    filesystem's order; here each directory's files come in name order,
//    before its subdirectories, also in name order (os.walk's shape).
//    Symbolic links to directories are not followed, as in os.walk.
//  * A Summary.Value holding simple_value is a scalar, recorded as Python's
//    str() of the float32 widened to double ("0.10000000149011612" for 0.1f).
//    One holding a 0-d tensor (TF2's tf.summary.scalar) of DT_FLOAT, DT_DOUBLE,
//    DT_INT32 or DT_INT64 is recorded as numpy's str() of it ("0.1"); its tag
//    is node_name when tag is empty.
//  * A value with tag t is recorded under metric name m when t starts with
//    m's last '/'-separated part and, if m has a '/', the file's directory
//    (as an absolute path) ends with m's dirname: "test/accuracy" takes the
//    "accuracy..." tags of the files in a directory ending in "test".
//  * Per file: the tensor values, then the scalar values; each by tag in the
//    order tags first appear, then by metric name in the given order, then in
//    file order.
//  * TensorBoard's purge of data orphaned by a restart: in a file whose
//    version is 2 or more ("brain.Event:2", every current writer's), an event
//    with SessionLog START at step s drops the file's scalars taken so far at
//    steps >= s; in older files, an event with a summary whose step s is below
//    the last in-order event's drops the earlier scalars of its tags at steps
//    >= s. Tensors are never purged: TensorBoard does not purge them.
//  * The timestamp is the event's wall time as Katib's
//    rfc3339(datetime.fromtimestamp(wall_time)) comes back from its DB
//    manager: rounded to microseconds, then cut to whole seconds, in UTC.
//
// Differences from Katib, in the direction of not losing data: where Katib's
// collector drops a whole file, only the value at fault is: a record that is
// not an Event protobuf (skipped, with a warning), text that is not UTF-8
// (read as bytes), a tensor numpy cannot build (skipped), a wall time that
// datetime refuses: not finite, or beyond years 1-9999 (given kZeroTimestamp).
// Tensors that are not one number (strings, histograms, images, vectors even
// of one element, other dtypes) are skipped where Katib records numpy's text
// of them ("[0.5]", "[1. 2.]"), a text no metric strategy reads as a number,
// though "latest" can pick it.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "metrics/metric_log.h"

namespace hpsearch::metrics {

struct TfEventCollection {
  std::vector<MetricLog> log;         // Katib's records, in Katib's order (above)
  std::vector<std::string> warnings;  // each names the file (or directory) and what went wrong
  size_t event_files = 0;             // found, whether they could be read or not
};

// Katib's TensorFlowEvent collector: the values of `metric_names` in every
// event file under `directory`. A missing directory gives an empty collection
// (no warning). Reading a file stops at a truncated record or a checksum
// mismatch, keeping the records before it, with a warning giving the byte
// offset. Unlike Katib, does not add the "unavailable" record for a missing
// objective: the caller does.
TfEventCollection CollectTfEvents(const std::filesystem::path& directory,
                                  std::span<const std::string> metric_names);

}  // namespace hpsearch::metrics
