//! The command line: `demo` (load, refusal, reset), `forecast reconcile-bench` on too short a
//! history, and `forecast bench`.

use std::process::Command;

fn sentia() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sentia"));
    c.env_remove("DATABASE_URL").env("SENTIA_LOG", "error");
    c
}

#[test]
fn demo_loads_refuses_to_mix_and_resets() {
    let dir = std::env::temp_dir().join(format!("sentia-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/sentia.db?mode=rwc", dir.display());
    let run = |args: &[&str]| {
        sentia()
            .args(args)
            .env("DATABASE_URL", &url)
            .env("SENTIA_DEMO_PASSWORD", "cli-Passw0rd-123")
            .output()
            .unwrap()
    };
    let first = run(&["demo", "--days", "40"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(out.contains("Demo loaded"), "{out}");
    assert!(
        out.contains("admin@sentia.demo"),
        "logins printed on first load: {out}"
    );

    let again = run(&["demo", "--days", "40"]);
    assert!(!again.status.success(), "a second load must be refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--reset"));

    let reset = run(&["demo", "--reset", "--days", "40"]);
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&reset.stdout).contains("admin@sentia.demo"),
        "users are kept, not re-created"
    );

    // Forty days hold no origin with 13 weeks after it: the comparison says so and fails.
    let bench = run(&["forecast", "reconcile-bench", "--origins", "13,26"]);
    assert!(!bench.status.success(), "nothing could be scored");
    let err = String::from_utf8_lossy(&bench.stderr);
    assert!(err.contains("the history is too short"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn forecast_bench_scores_airpassengers_like_the_reference() {
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sentia-forecast/tests/data/airpassengers.csv.gz"
    );
    let out = std::env::temp_dir().join(format!("sentia-bench-{}.json", std::process::id()));
    let r = sentia()
        .args([
            "forecast",
            "bench",
            "--data",
            data,
            "--horizon",
            "12",
            "--season",
            "12",
        ])
        .args(["--models", "snaive,drift", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    // statsforecast SeasonalNaive on AirPassengers: sMAPE 10.57, MASE 1.571 (shared/data/README.md).
    assert!(
        (json["snaive"]["smape"].as_f64().unwrap() - 10.57).abs() < 0.01,
        "{json}"
    );
    assert!(
        (json["snaive"]["mase"].as_f64().unwrap() - 1.571).abs() < 0.001,
        "{json}"
    );
    for key in [
        "smape",
        "mase",
        "mase_median",
        "cov80",
        "cov95",
        "wall_s",
        "cpu_s",
    ] {
        assert!(json["drift"][key].is_number(), "{key} in {json}");
    }
    let bad = sentia()
        .args([
            "forecast",
            "bench",
            "--data",
            "/nonexistent.csv",
            "--horizon",
            "12",
            "--season",
            "12",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    std::fs::remove_file(&out).ok();
}
