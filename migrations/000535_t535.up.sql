CREATE TABLE t535 (id bigint PRIMARY KEY, name text NOT NULL);
