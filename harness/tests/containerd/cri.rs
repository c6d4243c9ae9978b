//! A small CRI client of the project's own: gRPC (tonic) over containerd's
//! unix socket, with hand-written prost messages holding only the fields
//! the test sets or reads.
//!
//! Field numbers are those of `k8s.io/cri-api` `pkg/apis/runtime/v1/api.proto`
//! (package `runtime.v1`), read at kubernetes/cri-api v0.25.0 (b66135e; the CRI
//! version containerd 1.6 serves; the numbers are unchanged on master):
//! `VersionRequest`/`VersionResponse`, `PodSandboxConfig`,
//! `PodSandboxMetadata`, `DNSConfig`, `PortMapping`, `LinuxPodSandboxConfig`,
//! `LinuxSandboxSecurityContext`, `NamespaceOption`, `RunPodSandbox*`,
//! `StopPodSandbox*`, `RemovePodSandbox*`. Enums are sent as their `int32`
//! wire values (`Protocol.TCP = 0`, `NamespaceMode.POD = 0`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::{Channel, Endpoint, Uri};

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionRequest {
    #[prost(string, tag = "1")]
    pub version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct VersionResponse {
    #[prost(string, tag = "1")]
    pub version: String,
    #[prost(string, tag = "2")]
    pub runtime_name: String,
    #[prost(string, tag = "3")]
    pub runtime_version: String,
    #[prost(string, tag = "4")]
    pub runtime_api_version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxMetadata {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub uid: String,
    #[prost(string, tag = "3")]
    pub namespace: String,
    #[prost(uint32, tag = "4")]
    pub attempt: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct DnsConfig {
    #[prost(string, repeated, tag = "1")]
    pub servers: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    pub searches: Vec<String>,
    #[prost(string, repeated, tag = "3")]
    pub options: Vec<String>,
}

/// `Protocol.TCP`.
pub const TCP: i32 = 0;

#[derive(Clone, PartialEq, prost::Message)]
pub struct PortMapping {
    /// `Protocol` enum.
    #[prost(int32, tag = "1")]
    pub protocol: i32,
    #[prost(int32, tag = "2")]
    pub container_port: i32,
    #[prost(int32, tag = "3")]
    pub host_port: i32,
    #[prost(string, tag = "4")]
    pub host_ip: String,
}

/// `NamespaceMode.POD`: the pod gets a network namespace of its own.
pub const NAMESPACE_POD: i32 = 0;

#[derive(Clone, PartialEq, prost::Message)]
pub struct NamespaceOption {
    /// `NamespaceMode` enum.
    #[prost(int32, tag = "1")]
    pub network: i32,
    #[prost(int32, tag = "2")]
    pub pid: i32,
    #[prost(int32, tag = "3")]
    pub ipc: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxSandboxSecurityContext {
    #[prost(message, optional, tag = "1")]
    pub namespace_options: Option<NamespaceOption>,
    #[prost(bool, tag = "6")]
    pub privileged: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LinuxPodSandboxConfig {
    #[prost(string, tag = "1")]
    pub cgroup_parent: String,
    #[prost(message, optional, tag = "2")]
    pub security_context: Option<LinuxSandboxSecurityContext>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxConfig {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<PodSandboxMetadata>,
    #[prost(string, tag = "2")]
    pub hostname: String,
    #[prost(string, tag = "3")]
    pub log_directory: String,
    #[prost(message, optional, tag = "4")]
    pub dns_config: Option<DnsConfig>,
    #[prost(message, repeated, tag = "5")]
    pub port_mappings: Vec<PortMapping>,
    #[prost(map = "string, string", tag = "6")]
    pub labels: HashMap<String, String>,
    #[prost(map = "string, string", tag = "7")]
    pub annotations: HashMap<String, String>,
    #[prost(message, optional, tag = "8")]
    pub linux: Option<LinuxPodSandboxConfig>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxRequest {
    #[prost(message, optional, tag = "1")]
    pub config: Option<PodSandboxConfig>,
    #[prost(string, tag = "2")]
    pub runtime_handler: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct RunPodSandboxResponse {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
}

/// `StopPodSandboxRequest` and `RemovePodSandboxRequest` (same field).
#[derive(Clone, PartialEq, prost::Message)]
pub struct PodSandboxIdRequest {
    #[prost(string, tag = "1")]
    pub pod_sandbox_id: String,
}

/// `StopPodSandboxResponse`, `RemovePodSandboxResponse`: no fields.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Empty {}

/// How long one call may take before the test fails instead of hanging
/// (kubelet's default `--runtime-request-timeout`).
const CALL_LIMIT: Duration = Duration::from_secs(120);

/// A connection to a CRI runtime service.
pub struct Client {
    rt: tokio::runtime::Runtime,
    grpc: tonic::client::Grpc<Channel>,
}

impl Client {
    /// Connect to the CRI runtime service on the unix socket `socket`.
    pub fn connect(socket: &Path) -> Result<Client, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let path: PathBuf = socket.to_path_buf();
        let channel = rt.block_on(async {
            // The URI is not used: the connector dials the socket.
            let endpoint = Endpoint::try_from("http://[::1]:50051")
                .map_err(|e| format!("endpoint: {e}"))?
                .connect_timeout(Duration::from_secs(10));
            endpoint
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move {
                        let stream = tokio::net::UnixStream::connect(path).await?;
                        Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
                    }
                }))
                .await
                .map_err(|e| format!("connecting to {}: {e}", socket.display()))
        })?;
        Ok(Client {
            rt,
            grpc: tonic::client::Grpc::new(channel),
        })
    }

    /// One unary call of `runtime.v1.RuntimeService`.
    fn call<Req, Resp>(&mut self, method: &'static str, req: Req) -> Result<Resp, String>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let path = PathAndQuery::from_static(method);
        let grpc = &mut self.grpc;
        self.rt.block_on(async {
            let call = async {
                grpc.ready()
                    .await
                    .map_err(|e| format!("{method}: not ready: {e}"))?;
                let codec = tonic::codec::ProstCodec::<Req, Resp>::default();
                grpc.unary(tonic::Request::new(req), path, codec)
                    .await
                    .map(tonic::Response::into_inner)
                    .map_err(|s| format!("{method}: {} {}", s.code(), s.message()))
            };
            tokio::time::timeout(CALL_LIMIT, call)
                .await
                .map_err(|_| format!("{method}: no answer within {CALL_LIMIT:?}"))?
        })
    }

    pub fn version(&mut self) -> Result<VersionResponse, String> {
        self.call(
            "/runtime.v1.RuntimeService/Version",
            VersionRequest {
                version: "v1".into(),
            },
        )
    }

    /// `Version` once the CRI service is up: the daemon's socket answers
    /// before its CRI plugin has finished starting ("server is not
    /// initialized yet"), so that answer is retried until `limit`.
    pub fn version_when_ready(&mut self, limit: Duration) -> Result<VersionResponse, String> {
        let began = std::time::Instant::now();
        loop {
            match self.version() {
                Err(e) if e.contains("not initialized") && began.elapsed() < limit => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    /// Returns the sandbox ID.
    pub fn run_pod_sandbox(&mut self, config: PodSandboxConfig) -> Result<String, String> {
        let r: RunPodSandboxResponse = self.call(
            "/runtime.v1.RuntimeService/RunPodSandbox",
            RunPodSandboxRequest {
                config: Some(config),
                runtime_handler: String::new(),
            },
        )?;
        Ok(r.pod_sandbox_id)
    }

    pub fn stop_pod_sandbox(&mut self, id: &str) -> Result<(), String> {
        let _: Empty = self.call(
            "/runtime.v1.RuntimeService/StopPodSandbox",
            PodSandboxIdRequest {
                pod_sandbox_id: id.into(),
            },
        )?;
        Ok(())
    }

    pub fn remove_pod_sandbox(&mut self, id: &str) -> Result<(), String> {
        let _: Empty = self.call(
            "/runtime.v1.RuntimeService/RemovePodSandbox",
            PodSandboxIdRequest {
                pod_sandbox_id: id.into(),
            },
        )?;
        Ok(())
    }
}
