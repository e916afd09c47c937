"""Accessibility statement (everyone, signed in or not): built by raa_core.presentation.statement from the latest
results of the accessibility checks (docs/accessibility/); this page only lays its sections out."""

from __future__ import annotations

import streamlit as st

from raa_app import shell
from raa_core.presentation import statement

ref = shell.reference()
for i, section in enumerate(statement.sections(statement.load(), ref.settings.raa_name,
                                               ref.settings.accessibility_contact)):
    (st.title if i == 0 else st.header)(section.heading)
    st.markdown(section.text)
