CREATE TABLE t829 (id bigint PRIMARY KEY, name text NOT NULL);
