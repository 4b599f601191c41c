CREATE TABLE t729 (id bigint PRIMARY KEY, name text NOT NULL);
