CREATE TABLE t443 (id bigint PRIMARY KEY, name text NOT NULL);
