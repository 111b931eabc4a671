#!/usr/bin/python3
"""A Python client, generated at test time from our protos, against the real
`hpsearch serve`: it must get the same GetSuggestions answer as the C++
client, Katib's wording for a bad setting, and SERVING health.

Usage: python_client_test.py HPSEARCH CPP_CLIENT PROTO_DIR REQUEST.textproto
Exits 77 (CTest's skip code) when grpcio or grpc_tools is missing.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SKIP = 77


def main():
    hpsearch, cpp_client, proto_dir, request_file = sys.argv[1:5]
    try:
        import grpc
        from grpc_tools import protoc
    except ImportError as error:
        print(f"SKIP: the Python client test needs grpcio and grpc_tools ({error})")
        return SKIP

    workdir = tempfile.mkdtemp(prefix="hpsearch-pyclient-")
    server = None
    try:
        # health.proto goes under another directory name: a generated
        # "grpc/health" package would shadow the grpc module itself.
        os.makedirs(os.path.join(workdir, "src", "hp_health"))
        shutil.copy(os.path.join(proto_dir, "grpc/health/v1/health.proto"),
                    os.path.join(workdir, "src", "hp_health"))
        if protoc.main(["protoc", f"-I{proto_dir}", f"-I{workdir}/src",
                        f"--python_out={workdir}", f"--grpc_python_out={workdir}",
                        "katib/v1beta1/api.proto", "hp_health/health.proto"]) != 0:
            print("FAIL: grpc_tools.protoc could not compile the protos")
            return 1
        sys.path.insert(0, workdir)
        from google.protobuf import text_format
        from katib.v1beta1 import api_pb2, api_pb2_grpc
        from hp_health import health_pb2, health_pb2_grpc

        server = subprocess.Popen([hpsearch, "serve", "--address", "127.0.0.1:0"],
                                  stderr=subprocess.PIPE, text=True)
        port = None
        for line in server.stderr:
            match = re.search(r"\(port (\d+)\)", line)
            if match:
                port = match.group(1)
                break
        if port is None:
            print("FAIL: hpsearch serve did not report its port")
            return 1
        address = f"127.0.0.1:{port}"

        with open(request_file) as f:
            request = text_format.Parse(f.read(), api_pb2.GetSuggestionsRequest())
        with grpc.insecure_channel(address) as channel:
            stub = api_pb2_grpc.SuggestionStub(channel)
            python_reply = stub.GetSuggestions(request, timeout=60)

            cpp = subprocess.run([cpp_client, address, request_file],
                                 capture_output=True, text=True, check=False)
            if cpp.returncode != 0:
                print(f"FAIL: C++ client: {cpp.stderr}")
                return 1
            cpp_reply = text_format.Parse(cpp.stdout, api_pb2.GetSuggestionsReply())
            if python_reply != cpp_reply:
                print(f"FAIL: replies differ\nPython:\n{python_reply}\nC++:\n{cpp_reply}")
                return 1
            if len(python_reply.parameter_assignments) != request.current_request_number:
                print("FAIL: wrong number of assignments")
                return 1

            bad = api_pb2.ValidateAlgorithmSettingsRequest(experiment=request.experiment)
            bad.experiment.spec.algorithm.algorithm_settings.add(name="gamma", value="0.5")
            try:
                stub.ValidateAlgorithmSettings(bad, timeout=60)
                print("FAIL: a bad setting was accepted")
                return 1
            except grpc.RpcError as error:
                if (error.code() != grpc.StatusCode.INVALID_ARGUMENT or
                        error.details() != "unknown setting gamma for algorithm random"):
                    print(f"FAIL: unexpected error {error.code()} {error.details()}")
                    return 1

            health = health_pb2_grpc.HealthStub(channel)
            for service in ["manager.v1beta1.Suggestion", ""]:
                status = health.Check(health_pb2.HealthCheckRequest(service=service),
                                      timeout=60).status
                if status != health_pb2.HealthCheckResponse.SERVING:
                    print(f"FAIL: health of {service!r} is {status}")
                    return 1

        server.send_signal(signal.SIGTERM)
        server.stderr.read()
        if server.wait() != 0:
            print(f"FAIL: hpsearch serve exited {server.returncode} on SIGTERM")
            return 1
        server = None
        print("PASS: Python and C++ clients got the same reply:")
        print(python_reply)
        return 0
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
