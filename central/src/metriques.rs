//! What an operator's Prometheus scrapes at `GET /metrics` (text format, prometheus-client):
//! requests by route and status with their latency, the changes pushed by what became of them
//! (applied, combined, conflict, not stood, refused with its code), requests turned away by an
//! overload, and, read at scrape time, the log's size and the replicas seen. Counts only: no
//! name, no pupil, nothing a person wrote.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use pupitre_sync_protocol::wire::{PushOutcome, PushResult};

type Etiquettes = Vec<(&'static str, String)>;

fn latences() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The central's counters, shared by its routes.
pub struct Metriques {
    registre: Registry,
    requetes: Family<Etiquettes, Counter>,
    duree: Family<Etiquettes, Histogram, fn() -> Histogram>,
    modifications: Family<Etiquettes, Counter>,
    surcharges: Counter,
    journal: Gauge,
    postes: Gauge,
}

impl Default for Metriques {
    fn default() -> Self {
        let mut registre = Registry::with_prefix("pupitre_central");
        let requetes = Family::<Etiquettes, Counter>::default();
        let duree =
            Family::<Etiquettes, Histogram, fn() -> Histogram>::new_with_constructor(latences);
        let modifications = Family::<Etiquettes, Counter>::default();
        let (surcharges, journal, postes) =
            (Counter::default(), Gauge::default(), Gauge::default());
        registre.register(
            "requetes",
            "Requests answered, by route and status",
            requetes.clone(),
        );
        registre.register(
            "duree_secondes",
            "Time to answer a request, by route",
            duree.clone(),
        );
        registre.register(
            "modifications",
            "Changes pushed, by what became of them (refused: with its code)",
            modifications.clone(),
        );
        registre.register(
            "surcharges",
            "Requests turned away with 503 and Retry-After by the database's full queue",
            surcharges.clone(),
        );
        registre.register(
            "journal_modifications",
            "The log's head (its last sequence)",
            journal.clone(),
        );
        registre.register("postes", "Replicas ever seen", postes.clone());
        Metriques {
            registre,
            requetes,
            duree,
            modifications,
            surcharges,
            journal,
            postes,
        }
    }
}

impl Metriques {
    /// A request answered on `route` with `status` after `secondes`.
    pub fn requete(&self, route: &str, status: u16, secondes: f64) {
        let route = route_connue(route);
        self.requetes
            .get_or_create(&vec![
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
        self.duree
            .get_or_create(&vec![("route", route.to_owned())])
            .observe(secondes);
        if status == 503 {
            self.surcharges.inc();
        }
    }

    /// What became of a push's changes.
    pub fn poussees(&self, outcomes: &[PushOutcome]) {
        for o in outcomes {
            let etiquettes = match &o.result {
                PushResult::Accepted { outcome, .. } => {
                    vec![("issue", outcome.as_str().to_owned())]
                }
                PushResult::Refused { code, .. } => vec![
                    ("issue", "refused".to_owned()),
                    ("code", code.as_str().to_owned()),
                ],
            };
            self.modifications.get_or_create(&etiquettes).inc();
        }
    }

    /// The text a scrape reads, with the log's head and the replicas seen as of now.
    pub fn texte(&self, journal: u64, postes: u64) -> Result<String, std::fmt::Error> {
        self.journal.set(journal as i64);
        self.postes.set(postes as i64);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registre)?;
        Ok(out)
    }
}

/// A route's label: the API's own paths, everything else as one (a scanner's made-up paths
/// must not grow the series without bound).
fn route_connue(path: &str) -> &'static str {
    const ROUTES: [&str; 13] = [
        "/health",
        "/metrics",
        "/v1/login",
        "/v1/jetons",
        "/v1/logout",
        "/v1/mot-de-passe",
        "/v1/depot",
        "/v1/snapshot",
        "/v1/push",
        "/v1/pull",
        "/v1/history",
        "/v1/import",
        "/v1/etablissements",
    ];
    ROUTES.into_iter().find(|r| *r == path).unwrap_or("autre")
}
