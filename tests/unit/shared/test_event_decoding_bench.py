"""The decoding benchmark still runs (a smoke run at a tiny size), so it cannot rot unnoticed."""

from click.testing import CliRunner

from bench.event_decoding import command


def test_the_decoding_benchmark_runs_and_reports_both_event_shapes() -> None:
    result = CliRunner().invoke(command, ["--events", "20", "--repeats", "1"])
    assert result.exit_code == 0, result.output
    for shape in ("campaign.created", "pledge.collected"):
        line = next(line for line in result.output.splitlines() if line.startswith(shape))
        assert "json.loads" in line and "compiled + to_event" in line and "× faster" in line
