// Katib's api.v1.beta1.DBManager gRPC service over the objective store, so
// Katib's metrics collectors (or anything else speaking the API) can report
// and read observation logs, as with Katib's katib-db-manager.
//
// Semantics follow Katib's DB implementation (pkg/db/v1beta1/mysql):
//  * ReportObservationLog stores the log as one batch; entries with an empty
//    timestamp are skipped; timestamps are RFC 3339 and kept to the
//    microsecond.
//  * GetObservationLog filters by metric name and by start/end time (both
//    inclusive, empty = unbounded) and orders by time (then arrival);
//    timestamps come back as RFC3339Nano in UTC.
//  * DeleteObservationLog removes the trial's whole log.
// Where Katib would fail obscurely or crash, requests are refused with
// INVALID_ARGUMENT naming the field: an empty trial_name, an unparsable
// timestamp, a metric log without its metric. Store errors keep their code
// (UNAVAILABLE when the store is busy, INTERNAL otherwise).
//
// Health: grpc.health.v1.Health answers SERVING for "" and for
// "grpc.health.v1.Health", the names Katib's DB manager probes.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "katib/v1beta1/api.grpc.pb.h"
#include "metrics/objective_store.h"

namespace hpsearch::metrics {

// Katib's DB manager listens on 0.0.0.0:6789 (cmd/db-manager/v1beta1).
inline constexpr char kDefaultDbManagerAddress[] = "0.0.0.0:6789";

class DbManagerService final : public api::v1::beta1::DBManager::Service {
 public:
  explicit DbManagerService(ObjectiveStore& store) : store_(store) {}

  grpc::Status ReportObservationLog(grpc::ServerContext* context,
                                    const api::v1::beta1::ReportObservationLogRequest* request,
                                    api::v1::beta1::ReportObservationLogReply* reply) override;
  grpc::Status GetObservationLog(grpc::ServerContext* context,
                                 const api::v1::beta1::GetObservationLogRequest* request,
                                 api::v1::beta1::GetObservationLogReply* reply) override;
  grpc::Status DeleteObservationLog(grpc::ServerContext* context,
                                    const api::v1::beta1::DeleteObservationLogRequest* request,
                                    api::v1::beta1::DeleteObservationLogReply* reply) override;

 private:
  ObjectiveStore& store_;
};

// A running gRPC server with the DBManager service and health checking.
class DbManagerServer {
 public:
  // Listens on `address` (HOST:PORT; port 0 picks a free one). UNAVAILABLE
  // when the address cannot be bound. `store` must outlive the server.
  static absl::StatusOr<std::unique_ptr<DbManagerServer>> Start(const std::string& address,
                                                                ObjectiveStore& store);
  ~DbManagerServer();

  int port() const { return port_; }
  // Stops accepting calls, gives those in flight up to `grace` to finish and
  // cancels the rest. Idempotent; the destructor does it with no grace.
  // (gRPC's synchronous server waits out the grace while any client stays
  // connected, even with no call in flight.)
  void Shutdown(absl::Duration grace);

 private:
  DbManagerServer(std::unique_ptr<DbManagerService> service, std::unique_ptr<grpc::Server> server,
                  int port);

  std::unique_ptr<DbManagerService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

}  // namespace hpsearch::metrics
