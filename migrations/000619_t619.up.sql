CREATE TABLE t619 (id bigint PRIMARY KEY, name text NOT NULL);
