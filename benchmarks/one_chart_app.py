"""The floor for the first-chart benchmark: a Streamlit page with one title and one two-point Plotly
chart, served as oms_dash is (benchmarks/patterns.py --coordinator). What a first chart costs any
Streamlit app on this machine: Python and Streamlit starting, Streamlit's scripts and its 4.7 MB
Plotly bundle loading and running in the browser."""

import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2], y=[1, 2])), theme=None)
