//! The page's mail section: mail stored, per agent, its growth over the months, the
//! attachment share, mail sent and received, and the email footprint in three scenarios, per entity,
//! with every factor cited. Never a person: entities and domains only.

use crate::mail::{MailFigures, MailGroup, Scenarios};
use crate::report::format::{NBSP, esc, fr_count, fr_number, fr_percent, fr_quantity};

use super::ReenReport;
use super::html::{close, open, para, table};

const GB: f64 = 1e9;

fn gb(bytes: f64) -> String {
    format!("{}{NBSP}Go", fr_quantity(bytes / GB))
}

fn opt_gb(bytes: Option<f64>) -> String {
    bytes.map_or("—".to_string(), gb)
}

fn co2(x: f64) -> String {
    format!("{}{NBSP}kgCO2e", fr_quantity(x))
}

fn range(s: &Scenarios) -> String {
    format!(
        "{} (fourchette {} à {})",
        co2(s.central),
        co2(s.low),
        co2(s.high)
    )
}

pub(super) fn mail(out: &mut String, r: &ReenReport) {
    let Some(m) = r.mail else {
        return;
    };
    let t = &m.total;
    if t.mailboxes == 0 {
        return;
    }
    open(out, "messagerie", "Messagerie");
    let f = &t.footprint;
    para(
        out,
        "lead",
        &format!(
            "<strong class=\"big\">{}</strong> de courriels stockés dans {} boîtes ({} \
             messages) ; impact climatique du stockage sur l'année : <strong>{}</strong>{}.",
            gb(t.stored_bytes),
            fr_count(t.mailboxes),
            fr_count(t.stored_messages.round() as u64),
            range(&f.storage_kgco2e),
            match f.transfer_kgco2e {
                Some(tr) => format!(", et de l'envoi des courriels : {}", range(&tr)),
                None => String::new(),
            },
        ),
    );
    let mut facts = Vec::new();
    if let Some(a) = t.stored_bytes_per_agent {
        facts.push(format!("{} par agent", gb(a)));
    }
    if let Some(s) = t.attachment_share {
        facts.push(format!(
            "{} des octets dans les pièces jointes",
            fr_percent(s)
        ));
    }
    if let Some(n) = t.sent_messages {
        facts.push(format!("{} messages envoyés", fr_count(n.round() as u64)));
    }
    if let Some(b) = t.sent_bytes {
        facts.push(format!("{} envoyés", gb(b)));
    }
    if let Some(n) = t.received_messages {
        facts.push(format!("{} messages reçus", fr_count(n.round() as u64)));
    }
    if !facts.is_empty() {
        para(out, "note", &format!("{}.", facts.join(" ; ")));
    }
    let row = |name: String, g: &MailGroup| {
        vec![
            name,
            fr_count(g.mailboxes),
            gb(g.stored_bytes),
            opt_gb(g.stored_bytes_per_agent),
            g.attachment_share.map_or("—".into(), fr_percent),
            g.sent_messages
                .map_or("—".into(), |n| fr_count(n.round() as u64)),
            g.received_messages
                .map_or("—".into(), |n| fr_count(n.round() as u64)),
            fr_quantity(g.footprint.storage_kgco2e.central),
        ]
    };
    let rows: Vec<Vec<String>> = m
        .by_entity
        .iter()
        .map(|(e, g)| row(entity_name(e), g))
        .collect();
    out.push_str("<h3>Par entité</h3>\n");
    table(
        out,
        &[
            "Entité",
            "Boîtes",
            "Stockage",
            "Stockage par agent",
            "Part des pièces jointes",
            "Messages envoyés",
            "Messages reçus",
            "Stockage (kgCO2e, central)",
        ],
        &rows,
        Some(&row("Total".into(), t)),
    );
    months(out, m);
    factors(out, m);
    close(out);
}

fn months(out: &mut String, m: &MailFigures) {
    if m.months.iter().all(|x| x.stored_bytes.is_none()) {
        return;
    }
    let rows: Vec<Vec<String>> = m
        .months
        .iter()
        .map(|x| {
            vec![
                x.month.clone(),
                opt_gb(x.stored_bytes),
                x.growth_bytes.map_or("—".into(), |g| {
                    format!("{}{}", if g > 0.0 { "+" } else { "" }, gb(g))
                }),
                x.sent_messages
                    .map_or("—".into(), |n| fr_count(n.round() as u64)),
                x.received_messages
                    .map_or("—".into(), |n| fr_count(n.round() as u64)),
            ]
        })
        .collect();
    out.push_str("<h3>Mois par mois</h3>\n");
    table(
        out,
        &[
            "Mois",
            "Stockage en fin de mois",
            "Évolution",
            "Messages envoyés",
            "Messages reçus",
        ],
        &rows,
        None,
    );
}

fn entity_name(e: &str) -> String {
    match e {
        parcd_connectors::mail::UNASSIGNED => "Sans entité".to_string(),
        other => esc(other).into_owned(),
    }
}

fn factors(out: &mut String, m: &MailFigures) {
    let f = &m.factors;
    out.push_str("<h3>Facteurs</h3>\n<ul class=\"note\">\n");
    let names = ["bas", "central", "haut"];
    for (name, s) in names.iter().zip(&f.storage) {
        out.push_str(&format!(
            "<li>Stockage, scénario {name} : {}{NBSP}gCO2e par Go et par an ({} ; {}).</li>\n",
            fr_number(s.kg_per_gb(f.electricity_kgco2e_per_kwh.value) * 1000.0, 3),
            esc(s.source),
            esc(s.date)
        ));
    }
    for (name, s) in names.iter().zip(&f.transfer) {
        out.push_str(&format!(
            "<li>Envoi, scénario {name} : {}{NBSP}gCO2e par Go envoyé ({} ; {}).</li>\n",
            fr_number(s.kg_per_gb(f.electricity_kgco2e_per_kwh.value) * 1000.0, 3),
            esc(s.source),
            esc(s.date)
        ));
    }
    let e = &f.electricity_kgco2e_per_kwh;
    out.push_str(&format!(
        "<li>Électricité : {}{NBSP}kgCO2e/kWh ({}, {}).</li>\n\
         <li>Les boîtes sont comptées par domaine et par entité, jamais par personne ; un \
         message est supposé envoyé à un destinataire ; les terminaux sur lesquels on lit ses \
         courriels sont déjà dans l'empreinte du parc.</li>\n</ul>\n",
        fr_number(e.value, 4),
        esc(&e.source),
        esc(&e.date)
    ));
}
