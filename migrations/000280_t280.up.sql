CREATE TABLE t280 (id bigint PRIMARY KEY, name text NOT NULL);
