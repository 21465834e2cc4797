//! The page's sections on retired equipment: the REEN reuse rate, DEEE exits and donations.

use crate::report::format::{NBSP, esc, fr_count, fr_percent, fr_share, plural};

use super::ReenReport;
use super::html::{badge, close, open, opt_percent, para, table};
use super::labels;

pub(super) fn reen(out: &mut String, r: &ReenReport) {
    let y = r.reen;
    open(
        out,
        "reen",
        "Réemploi du matériel informatique réformé (loi REEN)",
    );
    let target = y.target.map(|t| fr_percent(t.min.fraction()));
    let status = match y.target_met() {
        Some(true) if r.complete => badge(true, "objectif atteint"),
        Some(true) => badge(true, "objectif atteint à cette date"),
        Some(false) if r.complete => badge(false, "objectif non atteint"),
        Some(false) => badge(false, "objectif pas encore atteint à cette date"),
        None => String::new(),
    };
    let lead = match (y.rate, &target) {
        (Some(rate), Some(t)) => format!(
            "Taux de réemploi : <strong class=\"big\">{}</strong> pour un objectif de \
             <strong>{t}</strong> en {}. {status}",
            fr_share(rate, y.target_met() == Some(false)),
            r.year
        ),
        (Some(rate), None) => format!(
            "Taux de réemploi : <strong class=\"big\">{}</strong>. Aucun objectif réglementaire \
             pour {} (25{NBSP}% en 2023, 35{NBSP}% en 2024, 50{NBSP}% à partir de 2025).",
            fr_percent(rate),
            r.year
        ),
        (None, Some(t)) => format!(
            "Aucun matériel réformé dans le périmètre en {} : le taux ne peut pas être calculé \
             (objectif de {t}).",
            r.year
        ),
        (None, None) => format!(
            "Aucun matériel réformé dans le périmètre en {} : le taux ne peut pas être calculé.",
            r.year
        ),
    };
    para(out, "lead", &lead);
    out.push_str(&super::html_charts::reen(r));
    para(
        out,
        "",
        &format!(
            "Le taux rapporte le nombre d'appareils partis en réemploi ou en réutilisation \
             pendant l'année (A : don, cession, vente avec engagement de réemploi) au matériel \
             réformé en stock au 1er janvier ou réformé pendant l'année (B) : {} sur {}.",
            fr_count(y.reused),
            fr_count(y.retired)
        ),
    );
    let n = |v: u64| fr_count(v);
    table(
        out,
        &["Calcul", "Appareils"],
        &[
            vec![
                format!("Réformés en stock au 1er janvier {}", r.year),
                n(y.in_stock_on_1_january),
            ],
            vec!["Réformés pendant l'année".into(), n(y.retired_during_year)],
            vec![
                "<strong>B</strong> : matériel réformé pris en compte".into(),
                n(y.retired),
            ],
            vec![
                "<strong>A</strong> : parti en réemploi ou réutilisation dans l'année".into(),
                n(y.reused),
            ],
            vec![
                "Dans B, appareils d'âge inconnu (comptés)".into(),
                n(y.unknown_age),
            ],
            vec![
                "Écartés : plus de 10 ans à la réforme (orientés vers le recyclage)".into(),
                n(y.excluded_over_10_years),
            ],
            vec![
                "Écartés : données classifiées ou soumises à des obligations de sécurité".into(),
                n(y.excluded_security),
            ],
            vec![
                "Écartés : hors du périmètre du décret (serveurs, copieurs, autres)".into(),
                n(y.excluded_class),
            ],
        ],
        None,
    );
    unplaced(out, y.unplaced.len());
    close(out);
}

fn unplaced(out: &mut String, n: usize) {
    if n > 0 {
        para(
            out,
            "note",
            &format!(
                "{} rattaché(s) à aucune année (sortie sans date, ou date sans sortie) : à \
                 corriger dans l'inventaire.",
                plural(n as u64, "appareil n'a pu être", "appareils n'ont pu être")
            ),
        );
    }
}

pub(super) fn deee(out: &mut String, r: &ReenReport) {
    let d = r.deee;
    open(out, "deee", "Sorties de matériel et filières DEEE");
    if d.exits == 0 {
        para(
            out,
            "",
            &format!("Aucune sortie de matériel enregistrée en {}.", r.year),
        );
    } else {
        para(
            out,
            "",
            &format!(
                "{} le parc en {}.",
                plural(d.exits, "appareil a quitté", "appareils ont quitté"),
                r.year
            ),
        );
        out.push_str(&super::html_charts::deee(r));
        table(
            out,
            &["Filière", "Appareils", "Part des sorties"],
            &[
                vec![
                    "Réemploi ou réutilisation (don, cession, vente)".into(),
                    fr_count(d.reused),
                    opt_percent(d.reused_share),
                ],
                vec![
                    "Recyclage par une filière DEEE agréée".into(),
                    fr_count(d.recycled),
                    opt_percent(d.recycled_share),
                ],
                vec![
                    "Destruction".into(),
                    fr_count(d.destroyed),
                    opt_percent(d.destroyed_share),
                ],
            ],
            Some(&["Total".into(), fr_count(d.exits), fr_percent(1.0)]),
        );
    }
    let rate = match d.collection_rate {
        Some(rate) => format!(
            "Taux de collecte : <strong>{}</strong> ({} remis à une filière agréée sur {} \
             réformés).",
            fr_percent(rate),
            fr_count(d.collected),
            plural(d.retired, "appareil", "appareils")
        ),
        None => "Taux de collecte : non calculable, aucun matériel réformé.".to_string(),
    };
    para(out, "", &rate);
    para(
        out,
        "note",
        "Ce taux est compté en nombre d'appareils : celui de la directive 2012/19/UE se calcule \
         en poids, rapporté aux équipements mis sur le marché les trois années précédentes, que \
         l'inventaire ne connaît pas. La destruction n'est pas comptée comme collecte : rien \
         n'atteste qu'elle soit passée par une filière agréée.",
    );
    unplaced(out, d.unplaced.len());
    close(out);
}

pub(super) fn donations(out: &mut String, r: &ReenReport) {
    let d = r.donations;
    open(out, "dons", "Dons de matériel");
    if d.devices_given == 0 {
        para(
            out,
            "",
            &format!("Aucun don de matériel enregistré en {}.", r.year),
        );
    } else {
        para(
            out,
            "lead",
            &format!(
                "<strong class=\"big\">{}</strong> en {}, soit environ <strong>{}</strong>.",
                plural(d.devices_given, "appareil donné", "appareils donnés"),
                r.year,
                plural(d.people_equipped, "personne équipée", "personnes équipées")
            ),
        );
        let rows: Vec<Vec<String>> = d
            .by_class
            .iter()
            .map(|(class, n)| {
                vec![
                    esc(labels::class(class.as_str())).into_owned(),
                    fr_count(*n),
                ]
            })
            .collect();
        table(out, &["Type de matériel", "Appareils donnés"], &rows, None);
    }
    para(
        out,
        "note",
        "Estimation : une personne par ordinateur, client léger, tablette ou smartphone donné ; \
         un écran ou une imprimante donnés avec un ordinateur n'équipent personne de plus. Les \
         dons sont reconnus au statut de sortie inscrit dans l'inventaire.",
    );
    close(out);
}
