CREATE TABLE t915 (id bigint PRIMARY KEY, name text NOT NULL);
