CREATE TABLE t253 (id bigint PRIMARY KEY, name text NOT NULL);
