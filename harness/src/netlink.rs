//! rtnetlink from the calling thread's network namespace: the one helper
//! both `sandbox` (fixtures) and `kernel` (operations, tampering) build on,
//! so it sits below both and knows nothing of namespaces itself: callers
//! enter one first (`Netns::run`).

use std::future::Future;
use std::io;

use futures::TryStreamExt;
use rtnetlink::{Handle, LinkUnspec};

/// Run `f` with an rtnetlink handle bound to this thread's namespace, on a
/// single-threaded runtime of its own: a pooled tokio worker must never
/// `setns`, and the socket must not outlive the call.
pub fn here<T, F, Fut>(f: F) -> io::Result<T>
where
    F: FnOnce(Handle) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let (conn, handle, _) = rtnetlink::new_connection()?;
        let task = tokio::spawn(conn);
        let out = f(handle).await;
        // Closing the socket now: an open one would keep the namespace alive.
        task.abort();
        out
    })
}

/// An rtnetlink error as an `io::Error` that says what was being done.
pub fn nl_err(what: impl std::fmt::Display) -> impl FnOnce(rtnetlink::Error) -> io::Error {
    move |e| io::Error::other(format!("{what}: {e}"))
}

/// The ifindex of `name`, or `NotFound`.
pub async fn link_index(h: &Handle, name: &str) -> io::Result<u32> {
    let found = h.link().get().match_name(name).execute().try_next().await;
    match found {
        Ok(Some(link)) => Ok(link.header.index),
        Ok(None) | Err(rtnetlink::Error::NetlinkError(_)) => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no link named {name}"),
        )),
        Err(e) => Err(nl_err(format!("looking up link {name}"))(e)),
    }
}

/// Set the link `name` administratively up.
pub async fn set_up(h: &Handle, name: &str) -> io::Result<()> {
    let idx = link_index(h, name).await?;
    h.link()
        .set(LinkUnspec::new_with_index(idx).up().build())
        .execute()
        .await
        .map_err(nl_err(format!("setting {name} up")))
}
