// suggestion_client ADDRESS REQUEST.textproto: sends a GetSuggestionsRequest
// (protobuf text format) through the generated C++ stub and prints the reply
// in text format. The Python client test compares its own answer with this.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "katib/v1beta1/api.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: suggestion_client ADDRESS REQUEST.textproto\n";
    return 2;
  }
  std::ifstream file(argv[2]);
  std::stringstream text;
  text << file.rdbuf();
  api::v1::beta1::GetSuggestionsRequest request;
  if (!file || !google::protobuf::TextFormat::ParseFromString(text.str(), &request)) {
    std::cerr << argv[2] << ": not a GetSuggestionsRequest in text format\n";
    return 2;
  }
  auto stub = api::v1::beta1::Suggestion::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  api::v1::beta1::GetSuggestionsReply reply;
  const grpc::Status status = stub->GetSuggestions(&context, request, &reply);
  if (!status.ok()) {
    std::cerr << "GetSuggestions failed: " << status.error_code() << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::string out;
  google::protobuf::TextFormat::PrintToString(reply, &out);
  std::cout << out;
  return 0;
}
