CREATE TABLE t566 (id bigint PRIMARY KEY, name text NOT NULL);
