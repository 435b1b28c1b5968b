"""The archive: schema, writes and queries. Imports only corpus types of ours."""
