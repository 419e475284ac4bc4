//! Real parts for the collection-service tests: the `caf serve` binary on a loopback port, a
//! temporary SQLite file, and a throwaway PostgreSQL cluster started as an unprivileged user.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use caf_server::store::{Organisation, Role, Store, TokenScope, TokenSpec, now_ms};

use crate::support;

/// A running `caf serve`.
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub url: String,
    database: String,
    extra: Vec<String>,
}

impl Server {
    /// Starts on a free loopback port.
    pub fn start(database: &str, extra: &[&str]) -> Server {
        let mut server = Server {
            child: None,
            addr: "127.0.0.1:0".parse().unwrap(),
            url: String::new(),
            database: database.to_string(),
            extra: extra.iter().map(ToString::to_string).collect(),
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut last_error = String::new();
        // A restart may race the old socket's release; try a few times.
        for _ in 0..50 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_caf"))
                .args(["serve", "--database", &self.database, "--listen"])
                .arg(self.addr.to_string())
                .args(&self.extra)
                .env("CAF_LOG", "warn")
                .env_remove("CAF_FRAMEWORKS")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start caf serve");
            let stderr = child.stderr.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut lines = BufReader::new(stderr).lines();
                for line in lines.by_ref().map_while(Result::ok) {
                    if line.contains("listening on") {
                        let _ = tx.send(Ok(line));
                        break;
                    }
                    let _ = tx.send(Err(line));
                }
                // Keep draining so the server never blocks on a full pipe.
                for _ in lines {}
            });
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut listening = None;
            while Instant::now() < deadline {
                match rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(Ok(line)) => {
                        listening = Some(line);
                        break;
                    }
                    Ok(Err(line)) => last_error.push_str(&format!("{line}\n")),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Ok(Some(_)) = child.try_wait() {
                            break;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            if let Some(line) = listening {
                let url = line
                    .split_whitespace()
                    .find(|w| w.starts_with("http"))
                    .unwrap()
                    .to_string();
                let addr = url.rsplit("//").next().unwrap().parse().unwrap();
                self.addr = addr;
                self.url = url;
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("caf serve did not start: {last_error}");
    }

    /// The server's process id, for reading its use of memory from /proc.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL: no graceful shutdown, no flushing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same address.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A temporary SQLite database.
pub struct Sqlite {
    _dir: tempfile::TempDir,
    pub url: String,
}

impl Sqlite {
    pub fn new() -> Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("caf.db").display());
        Sqlite { _dir: dir, url }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn pg_bin_dir() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .collect()
        })
        .unwrap_or_default();
    candidates.retain(|p| p.join("initdb").exists());
    candidates.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    candidates.pop().expect(
        "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: run scripts/test.sh, which installs Debian's postgresql",
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A throwaway PostgreSQL cluster in a temporary directory, run as an unprivileged user
/// (`nobody` when the tests run as root, since PostgreSQL refuses to run as root).
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_nobody: bool,
    pub port: u16,
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = pg_bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let as_nobody = is_root();
        if as_nobody {
            let status = Command::new("chmod")
                .arg("0777")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let mut pg = Postgres {
            dir,
            bin,
            as_nobody,
            port: 0,
        };
        let data = pg.dir.path().join("data");
        let sock = pg.dir.path().join("sock");
        std::fs::create_dir(&sock).unwrap();
        if pg.as_nobody {
            Command::new("chmod")
                .arg("0777")
                .arg(&sock)
                .status()
                .unwrap();
        }
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        for _ in 0..5 {
            pg.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                pg.port,
                sock.display()
            );
            let log = pg.dir.path().join("postgres.log");
            let ok = pg.try_run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &options,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            );
            if ok {
                return pg;
            }
        }
        panic!("PostgreSQL did not start");
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = if self.as_nobody {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "nobody", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        };
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        cmd
    }

    fn try_run(&self, program: &str, args: &[&str]) -> bool {
        let output = self.command(program).args(args).output().unwrap();
        if !output.status.success() {
            eprintln!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        output.status.success()
    }

    fn run(&self, program: &str, args: &[&str]) {
        assert!(self.try_run(program, args), "{program} failed");
    }

    /// A new, empty database; returns its URL.
    pub fn database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name],
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

/// `caf admin ...` against `database`; returns stdout, panicking with stderr on failure.
pub fn admin(database: &str, args: &[&str]) -> String {
    let words = args.iter().take_while(|a| !a.starts_with("--")).count();
    let output = support::caf()
        .arg("admin")
        .args(args.iter().take(words))
        .args(["--database", database])
        .args(args.iter().skip(words))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "caf admin {args:?}: {}",
        support::stderr_of(&output)
    );
    support::stdout_of(&output)
}

/// Registers an organisation and returns a submitter token for it, through the CLI.
pub fn org_with_token(database: &str, id: &str) -> String {
    admin(
        database,
        &["org", "add", "--id", id, "--name", &format!("Org {id}")],
    );
    admin(
        database,
        &["token", "create", "--role", "submitter", "--org", id],
    )
    .trim()
    .to_string()
}

/// Many organisations and tokens at once, through the library (the CLI would take a process
/// per call).
pub fn bulk_orgs(database: &str, ids: &[String]) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open_with(database, 2).await.unwrap();
        let mut tokens = Vec::new();
        for id in ids {
            store
                .add_organisation(&Organisation {
                    id: id.clone(),
                    name: format!("Org {id}"),
                    sector: Some("local-government".into()),
                    region: None,
                    parent: None,
                    created_at: now_ms(),
                })
                .await
                .unwrap();
            let issued = store
                .create_token(&TokenSpec {
                    role: Role::Submitter,
                    scope: TokenScope::Organisation(id.clone()),
                    expires_at: None,
                })
                .await
                .unwrap();
            tokens.push(issued.token);
        }
        store.close().await;
        tokens
    })
}

/// The district council example, rewritten for organisation `org` and made unique by `n`.
pub fn assessment_for(org: &str, n: usize) -> String {
    let text = support::read(&support::path(
        "examples/district-council-caf-3.2-baseline.toml",
    ));
    text.replace("id = \"E07000901\"", &format!("id = \"{org}\""))
        .replace(
            "assessor = \"Priya Nair, Information Security Officer\"",
            &format!("assessor = \"Assessor number {n}\""),
        )
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A plain HTTP client for asserting on raw responses.
pub fn http() -> reqwest::blocking::Client {
    caf_client::install_crypto_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}
