//! The real server for tests that talk HTTP to it: `ketnap serve` as its own process (killed
//! and waited for when dropped), and a client that keeps its session cookie.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::web::{PASSWORD, csrf_in, serde_urlencoded_form};

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `ketnap serve` on `database_url` on a free port, its output (logged at
    /// `rust_log`) appended to `log`; returns once it accepts connections.
    pub async fn start(database_url: &str, log: &Path, rust_log: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ketnap"))
            .args(["--database", database_url, "serve", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env_remove("KETNAP_DATABASE_URL")
            .env_remove("KETNAP_DATA_KEYS")
            // PostgreSQL's data keys live in a file of their own (SQLite's sit beside it).
            .envs(
                crate::fixtures::data_keys_for(database_url).map(|keys| ("KETNAP_DATA_KEYS", keys)),
            )
            .env("RUST_LOG", rust_log)
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        // Dropped (killed and waited for) whatever happens next.
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "ketnap serve ended at start ({status}); see {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("ketnap serve did not start; see {}", log.display());
    }

    /// Ends the process with SIGKILL, as a crash or a power cut would end it, and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub cookie: Option<String>,
    pub body: String,
}

/// A browser of one account: its cookie, its CSRF token, and every URL it was sent to.
pub struct Http {
    client: Client<HttpConnector, Body>,
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    pub urls: Vec<String>,
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.to_string(),
            cookie: String::new(),
            csrf: String::new(),
            urls: Vec::new(),
        }
    }

    /// Sends a request; an error when no whole answer came (the server is down or died
    /// while answering).
    pub async fn try_send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<String>,
    ) -> Result<Reply, String> {
        self.urls.push(path.to_string());
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie.clone());
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(form.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header_text(header::LOCATION);
        let cookie = header_text(header::SET_COOKIE);
        if let Some(location) = &location {
            self.urls.push(location.clone());
        }
        let bytes = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Reply {
            status,
            location,
            cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.try_send(Method::GET, path, None).await.unwrap()
    }

    /// Posts a form as it is given (no CSRF token added).
    pub async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Reply {
        self.try_post(path, fields).await.unwrap()
    }

    pub async fn try_post(
        &mut self,
        path: &str,
        fields: &[(String, String)],
    ) -> Result<Reply, String> {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.try_send(Method::POST, path, Some(serde_urlencoded_form(&fields)))
            .await
    }

    /// Posts a form as the signed-in browser does, with its CSRF token.
    pub async fn submit(&mut self, path: &str, fields: &[(String, String)]) -> Reply {
        self.try_submit(path, fields).await.unwrap()
    }

    pub async fn try_submit(
        &mut self,
        path: &str,
        fields: &[(String, String)],
    ) -> Result<Reply, String> {
        let mut all = pairs(&[("csrf", &self.csrf)]);
        all.extend_from_slice(fields);
        self.try_post(path, &all).await
    }

    /// Signs in with the fixture password and picks up the session's CSRF token.
    pub async fn sign_in(&mut self, username: &str) {
        let login = self
            .post(
                "/login",
                &pairs(&[("username", username), ("password", PASSWORD)]),
            )
            .await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
        self.cookie = login.cookie.unwrap().split(';').next().unwrap().to_string();
        self.csrf = csrf_in(&self.get("/account/password").await.body).unwrap();
    }
}

pub fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}
