CREATE TABLE t275 (id bigint PRIMARY KEY, name text NOT NULL);
