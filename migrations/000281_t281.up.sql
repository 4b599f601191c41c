CREATE TABLE t281 (id bigint PRIMARY KEY, name text NOT NULL);
