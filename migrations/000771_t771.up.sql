CREATE TABLE t771 (id bigint PRIMARY KEY, name text NOT NULL);
